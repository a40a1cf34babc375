// SPDX-License-Identifier: MIT
#include "querycompleter.h"

#include "query/fields.h"
#include "query/kql.h"

#include <QAbstractItemView>
#include <QCompleter>
#include <QLineEdit>
#include <QStandardItemModel>

namespace auditlens::ui {

namespace {

constexpr int kMatchRole = Qt::UserRole + 1; ///< the text typed prefixes are matched against

/// Where a word of the query ends (the query language's separators).
bool isBreak(QChar c)
{
    return c.isSpace() || c == QLatin1Char('(') || c == QLatin1Char(')') || c == QLatin1Char(':') || c == QLatin1Char('"');
}

/// Whether text[i] ends a word: a separator that no backslash escapes (an odd run of them
/// before it escapes it, as in `Meta.q\"uote`).
bool breakAt(const QString &text, int i)
{
    if (!isBreak(text[i]))
        return false;
    int slashes = 0;
    while (i - slashes > 0 && text[i - slashes - 1] == QLatin1Char('\\'))
        ++slashes;
    return slashes % 2 == 0;
}

bool isKeyword(const QString &s)
{
    return s.compare(QLatin1String("and"), Qt::CaseInsensitive) == 0 || s.compare(QLatin1String("or"), Qt::CaseInsensitive) == 0
           || s.compare(QLatin1String("not"), Qt::CaseInsensitive) == 0;
}

/// The value a partial text stands for: without its opening quote and escapes.
QString typedValue(const QString &partial)
{
    if (!partial.startsWith(QLatin1Char('"')))
        return partial;
    QString out;
    for (int i = 1; i < partial.size(); ++i) {
        if (partial[i] == QLatin1Char('\\') && i + 1 < partial.size())
            ++i;
        out += partial[i];
    }
    return out;
}

} // namespace

QueryCompleter::QueryCompleter(QLineEdit *edit, QObject *parent)
    : QObject(parent), m_edit(edit), m_completer(new QCompleter(this))
{
    auto *model = new QStandardItemModel(this);
    m_completer->setModel(model);
    m_completer->setCompletionRole(kMatchRole);
    m_completer->setCaseSensitivity(Qt::CaseInsensitive);
    m_completer->setWidget(edit);
    m_completer->setCompletionMode(QCompleter::PopupCompletion);
    m_completer->setMaxVisibleItems(12);
    connect(m_completer, qOverload<const QModelIndex &>(&QCompleter::activated), this, [this](const QModelIndex &index) {
        const Context c = contextAt(m_edit->text());
        m_edit->setText(m_edit->text().left(c.start) + index.data(Qt::DisplayRole).toString());
    });
    connect(edit, &QLineEdit::textEdited, this, &QueryCompleter::onEdited);
}

QueryCompleter::~QueryCompleter() = default; // (the source goes with it: no answer after)

void QueryCompleter::setSource(std::unique_ptr<TrailSource> source, std::function<QStringList()> fieldNames)
{
    m_source = std::move(source); // (what the old one had pending is not answered)
    m_fieldNames = std::move(fieldNames);
    m_values.clear();
    m_catalog.clear();
    m_pending.clear();
    m_catalogPending = false;
}

QString QueryCompleter::valueText(const query::FieldValue &v)
{
    using query::ValueType;
    if (v.type == ValueType::Number || v.type == ValueType::Bool)
        return QString::fromStdString(v.text);
    if (v.type != ValueType::String)
        return {};
    const QString s = QString::fromStdString(v.text);
    bool bare = !s.isEmpty() && !isKeyword(s);
    for (const QChar c : s)
        if (isBreak(c) || c == QLatin1Char('\\') || c == QLatin1Char('<') || c == QLatin1Char('>') || c == QLatin1Char('*')
            || c == QLatin1Char('?') || c.category() == QChar::Other_Control)
            bare = false;
    if (bare)
        return s;
    QString q = QStringLiteral("\"");
    for (const QChar c : s) {
        if (c == QLatin1Char('"') || c == QLatin1Char('\\'))
            q += QLatin1Char('\\');
        q += c;
    }
    return q + QLatin1Char('"');
}

QueryCompleter::Context QueryCompleter::contextAt(const QString &text)
{
    Context c;
    // an open quote: its value is being typed
    bool inQuote = false;
    int quoteAt = -1;
    for (int i = 0; i < text.size(); ++i) {
        if (text[i] == QLatin1Char('\\')) { // (escapes the next character, in a quote or in a name)
            ++i;
            continue;
        }
        if (text[i] == QLatin1Char('"')) {
            inQuote = !inQuote;
            quoteAt = i;
        }
    }
    int start = int(text.size());
    if (inQuote)
        start = quoteAt;
    else
        while (start > 0 && !breakAt(text, start - 1))
            --start;
    c.start = start;
    c.partial = text.mid(start);
    // "field:" or "field:(" before it: a value
    int j = start;
    while (j > 0 && text[j - 1].isSpace())
        --j;
    if (j > 0 && text[j - 1] == QLatin1Char('(')) {
        --j;
        while (j > 0 && text[j - 1].isSpace())
            --j;
    }
    if (j > 0 && text[j - 1] == QLatin1Char(':')) {
        int fe = j - 1;
        while (fe > 0 && text[fe - 1].isSpace())
            --fe;
        int fb = fe;
        while (fb > 0 && !breakAt(text, fb - 1))
            --fb;
        c.field = text.mid(fb, fe - fb);
        if (!c.field.isEmpty()) {
            c.kind = Context::Kind::Value;
            return c;
        }
    }
    if (!inQuote && c.partial.size() >= 2 && !isKeyword(c.partial))
        c.kind = Context::Kind::Field;
    return c;
}

void QueryCompleter::onEdited(const QString &text)
{
    const Context c = contextAt(text);
    if (c.kind == Context::Kind::None || !m_source) {
        m_completer->popup()->hide();
        return;
    }
    if (c.kind == Context::Kind::Field) {
        const QStringList names = m_fieldNames ? m_fieldNames() : QStringList();
        if (!names.isEmpty()) {
            showFieldNames(names, c.partial);
            return;
        }
        if (!m_catalog.isEmpty()) {
            showFieldNames(m_catalog, c.partial);
            return;
        }
        m_completer->popup()->hide();
        if (m_catalogPending)
            return;
        m_catalogPending = true;
        m_source->fields(this, [this](TrailFields fields, TrailError error) {
            if (error.kind == TrailErrorKind::Cancelled)
                return;
            m_catalogPending = false;
            if (!error.ok())
                return; // (no names to offer; the next key press asks again)
            QStringList paths;
            paths.reserve(int(fields.fields.size()));
            for (const TrailField &f : fields.fields)
                paths << QString::fromStdString(f.path);
            m_catalog = paths;
            const Context now = contextAt(m_edit->text());
            if (m_edit->hasFocus() && now.kind == Context::Kind::Field)
                showFieldNames(m_catalog, now.partial);
        });
        return;
    }
    if (auto it = m_values.find(c.field); it != m_values.end()) {
        showValues(c.field, it->second, c.partial);
        return;
    }
    m_completer->popup()->hide();
    requestValues(c.field);
}

void QueryCompleter::showFieldNames(const QStringList &names, const QString &partial)
{
    auto *model = static_cast<QStandardItemModel *>(m_completer->model());
    // filled once per list (a trail may have thousands of paths: refilled row by row at every
    // key press, the GUI froze for seconds), each name as a query writes it, those no query can
    // name left out
    if (!m_modelHoldsNames || names != m_modelNames) {
        QList<QStandardItem *> items;
        items.reserve(names.size());
        for (const QString &p : names) {
            const QString field = QString::fromStdString(query::fieldName(p.toStdString()));
            if (field.isEmpty())
                continue;
            auto *item = new QStandardItem(field);
            item->setData(field, kMatchRole);
            items << item;
        }
        model->clear();
        model->invisibleRootItem()->appendRows(items); // (one insertion for all)
        m_modelNames = names;
        m_modelHoldsNames = true;
    }
    m_completer->setCompletionPrefix(partial);
    if (m_completer->completionCount() > 0 && m_completer->currentCompletion() != partial) {
        m_completer->complete();
        emit fieldsOffered();
    } else {
        m_completer->popup()->hide();
    }
}

void QueryCompleter::showValues(const QString &field, const QStringList &texts, const QString &partial)
{
    auto *model = static_cast<QStandardItemModel *>(m_completer->model());
    m_modelHoldsNames = false;
    model->clear();
    for (const QString &t : texts) {
        auto *item = new QStandardItem(t);
        item->setData(typedValue(t), kMatchRole);
        model->appendRow(item);
    }
    const QString typed = typedValue(partial);
    m_completer->setCompletionPrefix(typed);
    if (m_completer->completionCount() == 0 || (m_completer->completionCount() == 1 && m_completer->currentCompletion() == typed
                                                && !partial.startsWith(QLatin1Char('"')))) {
        m_completer->popup()->hide();
        return;
    }
    m_completer->complete();
    emit valuesOffered(field);
}

void QueryCompleter::requestValues(const QString &field)
{
    if (m_pending == field)
        return;
    m_pending = field; // (a request for another field supersedes it)
    // the path the field's name stands for: its escapes undone (query::fieldName)
    std::string path;
    const std::string typed = field.toStdString();
    for (size_t i = 0; i < typed.size(); ++i)
        path += typed[i] == '\\' && i + 1 < typed.size() ? typed[++i] : typed[i];
    m_source->fieldValues(TrailFilter{}, path, kValues, this, [this, field](TrailValues v, TrailError error) {
        if (error.kind == TrailErrorKind::Cancelled)
            return;
        if (m_pending == field)
            m_pending.clear();
        if (!error.ok())
            return; // (nothing to offer; the next key press asks again)
        QStringList texts;
        for (const TrailValue &tv : v.top) {
            query::FieldValue fv;
            fv.type = tv.type;
            fv.text = tv.text;
            if (const QString t = valueText(fv); !t.isEmpty())
                texts << t;
        }
        m_values[field] = texts;
        const Context c = contextAt(m_edit->text());
        if (m_edit->hasFocus() && c.kind == Context::Kind::Value && c.field == field)
            showValues(field, texts, c.partial);
    });
}

} // namespace auditlens::ui
