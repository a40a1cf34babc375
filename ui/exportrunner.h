// SPDX-License-Identifier: MIT
#pragma once

#include "query/export.h"

#include <QFutureWatcher>
#include <QObject>
#include <QString>

#include <atomic>
#include <memory>

namespace auditlens::ui {

/// Writes records to a file off the GUI thread (QSaveFile: the file appears whole or not at
/// all), reporting progress; cancel() stops it and leaves no file behind.
class ExportRunner : public QObject
{
    Q_OBJECT
public:
    explicit ExportRunner(QObject *parent = nullptr);
    ~ExportRunner() override;

    /// `opts.cells`, for CSV, is called on the worker thread: it must only read `snap`.
    void start(const Snapshot &snap, std::vector<uint32_t> rows, const QString &path, query::ExportOptions opts);
    void cancel();
    bool isRunning() const;

signals:
    void progress(qint64 done, qint64 total);
    /// ok: the file is written; message says what was written or why not.
    void finished(bool ok, const QString &message);

private:
    struct Outcome
    {
        bool ok = false;
        QString message;
    };
    QFutureWatcher<Outcome> m_watcher;
    std::shared_ptr<std::atomic<bool>> m_cancel;
};

} // namespace auditlens::ui
