// SPDX-License-Identifier: MIT
#pragma once

#include "store/trailsource.h"

#include <QObject>
#include <QStringList>

#include <functional>
#include <map>
#include <memory>

class QCompleter;
class QLineEdit;

namespace auditlens::ui {

/// Completion in the query bar: field names as they are typed, and after `field:` that field's
/// most frequent values (raw paths and `ecs.` fields), written as the query language needs them
/// (quoted when they hold spaces or special characters). Names and values come from a
/// TrailSource of the completer's own (fields(), fieldValues() over the whole trail), so the
/// same completion serves the embedded store and a ClickHouse trail; values are kept per field
/// until the source is replaced (the data changed).
class QueryCompleter : public QObject
{
    Q_OBJECT
public:
    explicit QueryCompleter(QLineEdit *edit, QObject *parent = nullptr);
    ~QueryCompleter() override;

    /// Where completions come from: a source of the completer's own (null: none), and the field
    /// paths known elsewhere (the Fields panel's), asked first; the names and values read from
    /// the source before are forgotten.
    void setSource(std::unique_ptr<TrailSource> source, std::function<QStringList()> fieldNames = {});
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
    void onEdited(const QString &text);
    void showValues(const QString &field, const QStringList &texts, const QString &partial);
    void requestValues(const QString &field);
    void showFieldNames(const QStringList &names, const QString &partial);

    QLineEdit *m_edit;
    QCompleter *m_completer;
    std::unique_ptr<TrailSource> m_source;
    std::function<QStringList()> m_fieldNames;
    std::map<QString, QStringList> m_values; ///< per field, read from m_source
    QString m_pending; ///< the field whose values are being read
    /// Field paths read here when the Fields panel has none (it reads them only while shown).
    QStringList m_catalog;
    bool m_catalogPending = false;
    QStringList m_modelNames; ///< the field names the completer's model holds, when it holds names
    bool m_modelHoldsNames = false;
};

} // namespace auditlens::ui
