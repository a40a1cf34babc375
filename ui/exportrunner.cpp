// SPDX-License-Identifier: MIT
#include "exportrunner.h"

#include <QFileInfo>
#include <QPointer>
#include <QSaveFile>
#include <QtConcurrent>

namespace auditlens::ui {

ExportRunner::ExportRunner(QObject *parent) : QObject(parent)
{
    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome o = m_watcher.result();
        emit finished(o.ok, o.message);
    });
}

ExportRunner::~ExportRunner()
{
    cancel();
    m_watcher.waitForFinished();
}

bool ExportRunner::isRunning() const { return m_watcher.isRunning(); }

void ExportRunner::cancel()
{
    if (m_cancel)
        m_cancel->store(true);
}

void ExportRunner::start(const Snapshot &snap, std::vector<uint32_t> rows, const QString &path, query::ExportOptions opts)
{
    cancel();
    m_watcher.waitForFinished();
    m_cancel = std::make_shared<std::atomic<bool>>(false);
    auto cancelFlag = m_cancel;
    QPointer<ExportRunner> self(this);
    const qint64 total = qint64(rows.size());
    opts.cancel = cancelFlag.get();
    opts.progress = [self, total](size_t done) {
        QMetaObject::invokeMethod(
            self.data(), [self, done, total] {
                if (self)
                    emit self->progress(qint64(done), total);
            },
            Qt::QueuedConnection);
    };
    m_watcher.setFuture(QtConcurrent::run([snap, rows = std::move(rows), path, opts, cancelFlag]() {
        Outcome o;
        QSaveFile file(path);
        if (!file.open(QIODevice::WriteOnly)) {
            o.message = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
            return o;
        }
        const query::ExportResult res = query::exportRows(snap, rows, opts, [&file](std::string_view b) {
            return file.write(b.data(), qint64(b.size())) == qint64(b.size());
        });
        if (res.cancelled || !res.ok) {
            file.cancelWriting();
            o.message = res.cancelled ? QObject::tr("Export cancelled; no file was written.")
                                      : QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
            return o;
        }
        if (!file.commit()) {
            o.message = QObject::tr("Cannot write %1: %2").arg(path, file.errorString());
            return o;
        }
        o.ok = true;
        o.message = QObject::tr("Exported %n record(s) to %1", nullptr, int(res.written)).arg(QFileInfo(path).fileName());
        if (res.unreadable)
            o.message += QObject::tr(" (%n record(s) could not be read back and were left out: %1)", nullptr, int(res.unreadable))
                             .arg(QString::fromStdString(res.errors.empty() ? std::string() : res.errors.front()));
        return o;
    }));
}

} // namespace auditlens::ui
