// SPDX-License-Identifier: MIT
#include "jsonmodel.h"

#include <QFont>
#include <QGuiApplication>
#include <QPalette>

#include <functional>

namespace auditlens::ui {

using J = nlohmann::ordered_json;

struct JsonModel::Node
{
    Node *parent = nullptr;
    int row = 0;     ///< among the parent's rows
    size_t pos = 0;  ///< among the parent's JSON children
    QString key;
    QString path;
    const J *value = nullptr;
    std::vector<std::unique_ptr<Node>> kids;
    size_t scanned = 0; ///< JSON children looked at so far
};

namespace {
size_t childCount(const J &v) { return v.is_object() || v.is_array() ? v.size() : 0; }

/// The JSON child at `pos` (objects keep their insertion order in a vector).
std::pair<QString, const J *> childAt(const J &v, size_t pos)
{
    if (v.is_array())
        return {QStringLiteral("[%1]").arg(pos), &v[pos]};
    const auto &obj = v.get_ref<const J::object_t &>();
    const auto &kv = *(obj.begin() + std::ptrdiff_t(pos));
    return {QString::fromStdString(kv.first), &kv.second};
}

QString childPath(const QString &parentPath, const J &parent, const QString &key, size_t pos)
{
    if (parent.is_array())
        return parentPath + QLatin1Char('.') + QString::number(pos);
    return parentPath.isEmpty() ? key : parentPath + QLatin1Char('.') + key;
}

QString typeName(const J &v)
{
    switch (v.type()) {
    case J::value_t::object: return QStringLiteral("object");
    case J::value_t::array: return QStringLiteral("array");
    case J::value_t::string: return QStringLiteral("string");
    case J::value_t::boolean: return QStringLiteral("boolean");
    case J::value_t::null: return QStringLiteral("null");
    case J::value_t::number_float: return QStringLiteral("number");
    case J::value_t::number_integer:
    case J::value_t::number_unsigned: return QStringLiteral("integer");
    default: return QString();
    }
}

constexpr size_t kShownChars = 1000; ///< of a long string in a cell (all of it: tooltip, copy)

QString scalarText(const J &v)
{
    if (v.is_string()) {
        const std::string &s = v.get_ref<const std::string &>();
        if (s.size() <= kShownChars)
            return QString::fromStdString(s);
        // a cell shows one line: the start of a long value, without its line breaks
        size_t cut = kShownChars;
        while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
            --cut; // not inside a UTF-8 sequence
        QString head = QString::fromUtf8(s.data(), qsizetype(cut));
        head.replace(QLatin1Char('\n'), QLatin1Char(' '));
        return head + QStringLiteral("…");
    }
    if (v.is_object())
        return QStringLiteral("{%1}").arg(v.size());
    if (v.is_array())
        return QStringLiteral("[%1]").arg(v.size());
    return QString::fromStdString(v.dump());
}

/// Where `part…` names a key of `obj`: the longest run of parts joined with dots that is a key
/// (keys may hold dots). Returns the position and how many parts it took, or {-1, 0}.
std::pair<long long, int> findKey(const J &obj, const QStringList &parts, int from)
{
    const auto &o = obj.get_ref<const J::object_t &>();
    std::string key;
    std::pair<long long, int> best{-1, 0};
    for (int n = 1; from + n <= parts.size(); ++n) {
        if (n > 1)
            key += '.';
        key += parts[from + n - 1].toStdString();
        long long i = 0;
        for (auto it = o.begin(); it != o.end(); ++it, ++i)
            if (it->first == key) {
                best = {i, n};
                break;
            }
        if (best.first >= 0 && n == 1)
            break; // the plain key wins
    }
    return best;
}

/// Builds the ordered value through SAX events, appending keys without looking for duplicates.
class OrderedBuilder
{
public:
    J root;
    bool failed = false;

    bool null() { return add(J(nullptr)); }
    bool boolean(bool b) { return add(J(b)); }
    bool number_integer(J::number_integer_t v) { return add(J(v)); }
    bool number_unsigned(J::number_unsigned_t v) { return add(J(v)); }
    bool number_float(J::number_float_t v, const J::string_t &) { return add(J(v)); }
    bool string(J::string_t &s) { return add(J(std::move(s))); }
    bool binary(J::binary_t &b) { return add(J::binary(std::move(b))); }
    bool start_object(std::size_t)
    {
        J *p = place(J::object());
        m_stack.push_back(p);
        return true;
    }
    bool key(J::string_t &k)
    {
        m_key = std::move(k);
        return true;
    }
    bool end_object()
    {
        m_stack.pop_back();
        return true;
    }
    bool start_array(std::size_t)
    {
        J *p = place(J::array());
        m_stack.push_back(p);
        return true;
    }
    bool end_array()
    {
        m_stack.pop_back();
        return true;
    }
    bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &)
    {
        failed = true;
        return false;
    }

private:
    bool add(J v)
    {
        place(std::move(v));
        return true;
    }
    J *place(J v)
    {
        if (m_stack.empty()) {
            root = std::move(v);
            return &root;
        }
        J *top = m_stack.back();
        if (top->is_array()) {
            top->get_ref<J::array_t &>().push_back(std::move(v));
            return &top->get_ref<J::array_t &>().back();
        }
        auto &obj = top->get_ref<J::object_t &>();
        obj.emplace_back(std::move(m_key), std::move(v));
        m_key.clear();
        return &obj.back().second;
    }

    std::vector<J *> m_stack; // a container is never moved while it is being filled
    J::string_t m_key;
};
} // namespace

J parseOrdered(std::string_view text)
{
    OrderedBuilder b;
    const bool ok = J::sax_parse(text.begin(), text.end(), &b);
    if (!ok || b.failed)
        return J(J::value_t::discarded);
    return std::move(b.root);
}

JsonModel::JsonModel(QObject *parent) : QAbstractItemModel(parent) { rebuild(); }

JsonModel::~JsonModel() = default;

void JsonModel::setJson(J value)
{
    beginResetModel();
    m_json = std::move(value);
    m_tooltips.clear();
    m_dim.clear();
    m_backgrounds.clear();
    m_reached.clear();
    m_reachedSet.clear();
    m_coverage = false;
    m_filter.clear();
    m_keep.clear();
    m_matches.clear();
    rebuild();
    endReset();
}

void JsonModel::endReset()
{
    // views react to the reset inside endResetModel(); rows they ask for then come after it
    m_fetching = true;
    endResetModel();
    m_fetching = false;
}

void JsonModel::rebuild()
{
    m_root = std::make_unique<Node>();
    m_root->value = &m_json;
    // the first rows at once (inside the model reset, so without row signals); the rest
    // when a view asks
    Node *n = m_root.get();
    const size_t total = childCount(*n->value);
    while (n->scanned < total && n->kids.size() < size_t(kBatch)) {
        const size_t pos = n->scanned++;
        auto [key, v] = childAt(*n->value, pos);
        const QString path = childPath(n->path, *n->value, key, pos);
        if (!keeps(path))
            continue;
        auto kid = std::make_unique<Node>();
        kid->parent = n;
        kid->row = int(n->kids.size());
        kid->pos = pos;
        kid->key = key;
        kid->path = path;
        kid->value = v;
        n->kids.push_back(std::move(kid));
    }
}

bool JsonModel::keeps(const QString &path) const { return m_filter.isEmpty() || m_keep.contains(path); }

void JsonModel::fetch(Node *n, long long untilChild)
{
    if (m_fetching)
        return; // asked again from a view's or tester's slot while rows go in: after this batch
    m_fetching = true;
    const size_t total = childCount(*n->value);
    std::vector<std::unique_ptr<Node>> made;
    while (n->scanned < total && (untilChild < 0 ? made.size() < size_t(kBatch) : n->scanned <= size_t(untilChild))) {
        const size_t pos = n->scanned++;
        auto [key, v] = childAt(*n->value, pos);
        const QString path = childPath(n->path, *n->value, key, pos);
        if (!keeps(path))
            continue;
        auto kid = std::make_unique<Node>();
        kid->parent = n;
        kid->pos = pos;
        kid->key = key;
        kid->path = path;
        kid->value = v;
        made.push_back(std::move(kid));
    }
    if (made.empty()) {
        m_fetching = false;
        return;
    }
    const int first = int(n->kids.size());
    beginInsertRows(indexOf(n), first, first + int(made.size()) - 1);
    for (auto &k : made) {
        k->row = int(n->kids.size());
        n->kids.push_back(std::move(k));
    }
    endInsertRows();
    m_fetching = false;
}

JsonModel::Node *JsonModel::nodeOf(const QModelIndex &index) const
{
    return index.isValid() ? static_cast<Node *>(index.internalPointer()) : m_root.get();
}

QModelIndex JsonModel::indexOf(Node *n, int column) const
{
    if (!n || n == m_root.get())
        return {};
    return createIndex(n->row, column, n);
}

QModelIndex JsonModel::index(int row, int column, const QModelIndex &parent) const
{
    if (row < 0 || column < 0 || column >= 3 || (parent.isValid() && parent.column() != 0))
        return {};
    Node *p = nodeOf(parent);
    if (size_t(row) >= p->kids.size())
        return {};
    return createIndex(row, column, p->kids[size_t(row)].get());
}

QModelIndex JsonModel::parent(const QModelIndex &child) const
{
    if (!child.isValid())
        return {};
    return indexOf(nodeOf(child)->parent);
}

int JsonModel::rowCount(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return 0;
    return int(nodeOf(parent)->kids.size());
}

int JsonModel::columnCount(const QModelIndex &) const { return 3; }

bool JsonModel::hasChildren(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return false;
    const Node *n = nodeOf(parent);
    if (!n->kids.empty())
        return true;
    if (childCount(*n->value) == 0)
        return false;
    if (m_filter.isEmpty())
        return true;
    return n->scanned < childCount(*n->value) && m_keep.contains(n->path + QLatin1String("\x01parent"));
}

bool JsonModel::canFetchMore(const QModelIndex &parent) const
{
    if (parent.isValid() && parent.column() != 0)
        return false;
    const Node *n = nodeOf(parent);
    return n->scanned < childCount(*n->value) && (m_filter.isEmpty() || m_keep.contains(n->path + QLatin1String("\x01parent")));
}

void JsonModel::fetchMore(const QModelIndex &parent)
{
    if (canFetchMore(parent))
        fetch(nodeOf(parent));
}

QString JsonModel::pathOf(const QModelIndex &index) { return index.isValid() ? index.siblingAtColumn(0).data(PathRole).toString() : QString(); }

QVariant JsonModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid())
        return {};
    const Node *n = nodeOf(index);
    const J &v = *n->value;
    const bool dim = m_dim.contains(n->path) || !isReached(n->path);
    switch (role) {
    case Qt::DisplayRole:
        return index.column() == 0 ? n->key : index.column() == 1 ? scalarText(v) : typeName(v);
    case PathRole: return n->path;
    case Qt::ToolTipRole:
        if (index.column() == 0) {
            const QString tip = m_tooltips.value(n->path);
            if (tip.isEmpty() && !isReached(n->path))
                return m_coverageTip;
            return tip.isEmpty() ? QVariant() : QVariant(tip);
        }
        if (index.column() == 1 && v.is_string() && v.get_ref<const std::string &>().size() > 80)
            return QString::fromStdString(v.get<std::string>()).left(2000);
        return {};
    case Qt::FontRole:
        if (dim) {
            QFont f;
            f.setItalic(true);
            return f;
        }
        return {};
    case Qt::ForegroundRole:
        if (dim)
            return QGuiApplication::palette().color(QPalette::Disabled, QPalette::Text);
        return {};
    case Qt::BackgroundRole: {
        const auto it = m_backgrounds.constFind(n->path);
        return it == m_backgrounds.constEnd() ? QVariant() : QVariant(*it);
    }
    default: return {};
    }
}

QVariant JsonModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    return section == 0 ? tr("Key") : section == 1 ? tr("Value") : tr("Type");
}

Qt::ItemFlags JsonModel::flags(const QModelIndex &index) const
{
    return index.isValid() ? Qt::ItemIsEnabled | Qt::ItemIsSelectable : Qt::NoItemFlags;
}

const J *JsonModel::valueAt(const QString &path) const
{
    if (path.isEmpty())
        return &m_json;
    const QStringList parts = path.split(QLatin1Char('.'));
    const J *cur = &m_json;
    for (int i = 0; i < parts.size();) {
        if (cur->is_object()) {
            const auto [pos, used] = findKey(*cur, parts, i);
            if (pos < 0)
                return nullptr;
            cur = childAt(*cur, size_t(pos)).second;
            i += used;
        } else if (cur->is_array()) {
            bool ok = false;
            const long long k = parts[i].toLongLong(&ok);
            if (!ok || k < 0 || size_t(k) >= cur->size())
                return nullptr;
            cur = &(*cur)[size_t(k)];
            ++i;
        } else {
            return nullptr;
        }
    }
    return cur;
}

QModelIndex JsonModel::indexForPath(const QString &path, bool nearest)
{
    if (path.isEmpty())
        return {};
    const QStringList parts = path.split(QLatin1Char('.'));
    Node *n = m_root.get();
    for (int i = 0; i < parts.size();) {
        const J &v = *n->value;
        long long pos = -1;
        int used = 1;
        if (v.is_object()) {
            std::tie(pos, used) = findKey(v, parts, i);
        } else if (v.is_array()) {
            bool ok = false;
            pos = parts[i].toLongLong(&ok);
            if (!ok || pos < 0 || size_t(pos) >= v.size())
                pos = -1;
        }
        if (pos < 0)
            return nearest ? indexOf(n) : QModelIndex();
        if (n->scanned <= size_t(pos))
            fetch(n, pos);
        // kids are in JSON order: find the one made from `pos`
        auto it = std::lower_bound(n->kids.begin(), n->kids.end(), size_t(pos),
                                   [](const std::unique_ptr<Node> &k, size_t p) { return k->pos < p; });
        if (it == n->kids.end() || (*it)->pos != size_t(pos))
            return nearest ? indexOf(n) : QModelIndex(); // filtered out
        n = it->get();
        i += used;
    }
    return indexOf(n);
}

void JsonModel::markPath(const QString &path, const QString &tooltip, bool dim, const QColor &background)
{
    if (!tooltip.isEmpty())
        m_tooltips.insert(path, tooltip);
    if (dim)
        m_dim.insert(path);
    if (background.isValid())
        m_backgrounds.insert(path, background);
    // rows not made yet pick this up when they are; made rows are told
    const QModelIndex i = indexForPath(path);
    if (i.isValid())
        emit dataChanged(i, i.siblingAtColumn(2));
}

void JsonModel::setCoverage(std::set<QString> reached, const QString &tooltip)
{
    m_reached = std::move(reached);
    m_reachedSet = QSet<QString>(m_reached.begin(), m_reached.end());
    m_coverage = true;
    m_coverageTip = tooltip;
    if (!m_root->kids.empty())
        emit dataChanged(index(0, 0), index(rowCount() - 1, 2));
    // deeper rows are repainted by the views as they come and go
}

bool JsonModel::isReached(const QString &path) const
{
    if (!m_coverage || path.isEmpty())
        return true;
    // the path or one of its parents is a source
    QString p = path;
    while (true) {
        if (m_reachedSet.contains(p))
            return true;
        const int dot = p.lastIndexOf(QLatin1Char('.'));
        if (dot < 0)
            break;
        p.truncate(dot);
    }
    // or a source lies inside it
    const QString prefix = path + QLatin1Char('.');
    const auto it = m_reached.lower_bound(prefix);
    return it != m_reached.end() && it->startsWith(prefix);
}

void JsonModel::setFilterText(const QString &text)
{
    if (text == m_filter)
        return;
    beginResetModel();
    m_filter = text;
    m_keep.clear();
    m_matches.clear();
    if (!text.isEmpty()) {
        // one walk over the value: matching paths, their parents, and which nodes have kept
        // children (marked with a suffix no JSON path can have)
        std::function<bool(const J &, const QString &, int)> walk = [&](const J &v, const QString &path, int depth) {
            bool any = false;
            const size_t total = childCount(v);
            for (size_t pos = 0; pos < total && depth < 512; ++pos) {
                auto [key, child] = childAt(v, pos);
                const QString cp = childPath(path, v, key, pos);
                const bool self = key.contains(text, Qt::CaseInsensitive)
                                  || (!child->is_structured() && scalarText(*child).contains(text, Qt::CaseInsensitive))
                                  || cp.contains(text, Qt::CaseInsensitive);
                if (self)
                    m_matches << cp;
                const bool below = walk(*child, cp, depth + 1);
                if (self || below) {
                    m_keep.insert(cp);
                    any = true;
                }
            }
            if (any)
                m_keep.insert(path + QLatin1String("\x01parent"));
            return any;
        };
        walk(m_json, QString(), 0);
    }
    rebuild();
    endReset();
}

QStringList JsonModel::filterMatches(int limit) const { return m_matches.mid(0, limit); }

} // namespace auditlens::ui
