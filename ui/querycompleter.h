// SPDX-License-Identifier: MIT
#pragma once

#include "store/eventstore.h"

#include <QFutureWatcher>
#include <QObject>
#include <QStringList>

#include <atomic>
#include <functional>
#include <map>
#include <memory>

class QCompleter;
class QLineEdit;

namespace auditlens::query {
class FieldCache;
struct FieldValue;
}

namespace auditlens::ui {

/// Completion in the query bar: field names as they are typed, and after `field:` that field's
/// most frequent values (raw paths and `ecs.` fields), written as the query language needs them
/// (quoted when they hold spaces or special characters). Values are read off the GUI thread,
/// through the same field columns as the Fields panel's top values, and kept per field until
/// the data changes.
class QueryCompleter : public QObject
{
    Q_OBJECT
public:
    explicit QueryCompleter(QLineEdit *edit, QObject *parent = nullptr);
    ~QueryCompleter() override;

    /// Where completions come from: the data now (called when values are needed), the field
    /// columns, and the known field paths.
    void setSources(std::function<Snapshot()> snapshot, std::shared_ptr<query::FieldCache> cache,
                    std::function<QStringList()> fieldNames);
    QCompleter *completer() const { return m_completer; }

    /// How many values are offered after `field:`.
    static constexpr size_t kValues = 50;

    /// A value as typed after `field:`: numbers and booleans as they are, strings bare when the
    /// query language reads them back unchanged, else quoted (with `\` before `"` and `\`).
    /// Empty for values a query cannot name (null, objects).
    static QString valueText(const query::FieldValue &v);

    /// What the end of a query is being typed as.
    struct Context
    {
        enum class Kind { None, Field, Value } kind = Kind::None;
        QString field;   ///< Value: the field before the colon
        QString partial; ///< the text typed so far (a value's opening quote included)
        int start = 0;   ///< where the completion replaces the text
    };
    static Context contextAt(const QString &text);

signals:
    /// The values of `field` are in the completer's list (for tests and the status of the bar).
    void valuesOffered(const QString &field);
    /// Field names are in the completer's list.
    void fieldsOffered();

private:
    struct Values
    {
        QString field;
        QStringList texts;
        bool ok = false;
        std::pair<const Segment *, size_t> data{nullptr, 0}; ///< the data they were read from
    };
    void onEdited(const QString &text);
    void showValues(const QString &field, const QStringList &texts, const QString &partial);
    void requestValues(const QString &field);
    void showFieldNames(const QStringList &names, const QString &partial);
    std::pair<const Segment *, size_t> dataKey(const Snapshot &snap);

    QLineEdit *m_edit;
    QCompleter *m_completer;
    std::function<Snapshot()> m_snapshot;
    std::shared_ptr<query::FieldCache> m_cache;
    std::function<QStringList()> m_fieldNames;
    std::map<QString, QStringList> m_values; ///< per field, for the data of m_valuesFor
    std::pair<const Segment *, size_t> m_valuesFor{nullptr, 0};
    QString m_pending; ///< the field whose values are being read
    std::shared_ptr<std::atomic<bool>> m_cancel;
    QFutureWatcher<Values> m_watcher;
    /// Field paths read here when the Fields panel has none (it reads them only while shown).
    QStringList m_catalog;
    std::shared_ptr<std::atomic<bool>> m_catalogCancel;
    QFutureWatcher<QStringList> m_catalogWatcher;
};

} // namespace auditlens::ui
