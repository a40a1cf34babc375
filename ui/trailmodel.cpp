// SPDX-License-Identifier: MIT
#include "trailmodel.h"

#include <QHeaderView>
#include <QTableView>

#include "palettecolors.h"
#include "source/timestamp.h"

#include <QGuiApplication>
#include <QBrush>
#include <QDateTime>
#include <QFont>
#include <QPalette>
#include <QtConcurrent/QtConcurrentRun>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace auditlens::ui {

TrailModel::TrailModel(QObject *parent) : QAbstractTableModel(parent) {}

void TrailModel::setRows(const Snapshot &snap, const std::vector<uint32_t> &rows)
{
    beginResetModel();
    m_snap = snap;
    m_filtered = rows;
    // store rows are only meaningful within one store: a reload or another file reuses them
    m_resourceIds.clear();
    if (m_orderSize != m_snap.size())
        rebuildOrder();
    applySort();
    endResetModel();
    readFieldColumns();
}

void TrailModel::rebuildOrder()
{
    m_order.resize(m_snap.size());
    for (size_t i = 0; i < m_order.size(); ++i)
        m_order[i] = uint32_t(i);
    m_orderSize = m_snap.size();
    m_sortedFor = SIZE_MAX; // applySort sorts it once
}

int TrailModel::rowOfStoreRow(uint32_t storeRow) const
{
    for (size_t i = 0; i < m_rows.size(); ++i)
        if (m_rows[i] == storeRow)
            return int(i);
    return -1;
}

void TrailModel::setUtc(bool utc)
{
    if (utc == m_utc)
        return;
    m_utc = utc;
    if (!m_rows.empty())
        emit dataChanged(index(0, Time), index(rowCount() - 1, Time));
    emit headerDataChanged(Qt::Horizontal, Time, Time);
}

int TrailModel::storeColumn(int col)
{
    switch (col) {
    case Actor: return int(Column::Actor);
    case Action: return int(Column::Action);
    case ResourceType: return int(Column::ResourceType);
    case Interface: return int(Column::Interface);
    case Ip: return int(Column::SourceIp);
    case ActorType: return int(Column::ActorType);
    case Account: return int(Column::Account);
    case Source: return int(Column::Source);
    default: return -1;
    }
}

int TrailModel::rowCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int TrailModel::columnCount(const QModelIndex &parent) const { return parent.isValid() ? 0 : ColCount + int(m_fieldCols.size()); }

QString TrailModel::timeText(int64_t ns) const { return timeText(ns, m_utc); }

QString TrailModel::timeText(int64_t ns, bool utc)
{
    if (ns == kNoTime)
        return tr("(no time)");
    const QDateTime dt = QDateTime::fromMSecsSinceEpoch(ns / 1000000, utc ? Qt::UTC : Qt::LocalTime);
    return dt.toString(QStringLiteral("yyyy-MM-dd HH:mm:ss.zzz"));
}

QString TrailModel::resourceId(uint32_t storeRow) const
{
    if (QString *cached = m_resourceIds.object(storeRow))
        return *cached;
    const QString id = QString::fromStdString(resourceIdOf(m_snap.raw(storeRow)));
    m_resourceIds.insert(storeRow, new QString(id));
    return id;
}

void TrailModel::setUpTable(QTableView *table)
{
    table->setAlternatingRowColors(true);
    table->setWordWrap(false);
    table->verticalHeader()->hide();
    table->verticalHeader()->setDefaultSectionSize(table->fontMetrics().height() + 6);
    const int widths[] = {180, 200, 170, 140, 150, 70, 80, 150, 80, 150, 160};
    static_assert(std::size(widths) == ColCount);
    for (int c = 0; c < ColCount && c < table->model()->columnCount(); ++c)
        table->setColumnWidth(c, widths[c]);
}

QVariant TrailModel::data(const QModelIndex &index, int role) const
{
    if (!index.isValid() || size_t(index.row()) >= m_rows.size())
        return {};
    const uint32_t r = m_rows[size_t(index.row())];
    if (role == StoreRowRole)
        return r;
    const auditlens::Result result = m_snap.result(r);
    if (role == Qt::ForegroundRole || role == Qt::FontRole)
        return resultStyle(result, role);
    if (role == Qt::ToolTipRole && index.column() == Time && m_snap.time(r) != kNoTime)
        return QString::fromStdString(formatRfc3339(m_snap.time(r), FractionMode::Nano));
    if (role == Qt::ToolTipRole && index.column() == Source)
        return tr("%1, line %2").arg(QString::fromStdString(m_snap.value(r, Column::Source))).arg(m_snap.line(r));
    if (role != Qt::DisplayRole && role != ColumnValueRole)
        return {};
    if (index.column() >= ColCount) {
        const FieldCol &fc = m_fieldCols[size_t(index.column() - ColCount)];
        return fc.values ? QString::fromStdString(fieldCellText(*fc.values, r)) : QString();
    }
    switch (index.column()) {
    case Time: return timeText(m_snap.time(r));
    case Result:
        return resultText(result);
    case ResourceId: return resourceId(r);
    case Source:
        if (role == Qt::DisplayRole)
            return QStringLiteral("%1:%2").arg(QString::fromStdString(m_snap.value(r, Column::Source))).arg(m_snap.line(r));
        return QString::fromStdString(m_snap.value(r, Column::Source));
    default: {
        const int c = storeColumn(index.column());
        return c < 0 ? QVariant() : QVariant(QString::fromStdString(m_snap.value(r, Column(c))));
    }
    }
}

QVariant TrailModel::headerData(int section, Qt::Orientation o, int role) const
{
    if (o != Qt::Horizontal || role != Qt::DisplayRole)
        return {};
    if (section >= ColCount)
        return size_t(section - ColCount) < m_fieldCols.size() ? m_fieldCols[size_t(section - ColCount)].path : QVariant();
    return columnTitle(section, m_utc);
}

QString TrailModel::resultText(auditlens::Result result)
{
    return result == auditlens::Result::Success ? tr("success") : result == auditlens::Result::Failure ? tr("failure") : QString();
}

QString TrailModel::absentFieldsNote(const std::vector<std::string> &fields)
{
    if (fields.empty())
        return {};
    constexpr size_t kShown = 5, kLongest = 80; // (one line of the status bar, whatever the query)
    QStringList quoted;
    for (size_t k = 0; k < fields.size() && k < kShown; ++k) {
        QString name = QString::fromStdString(fields[k]).simplified();
        if (name.size() > qsizetype(kLongest))
            name = name.left(qsizetype(kLongest)) + QStringLiteral("\u2026");
        quoted << QStringLiteral("\u201c%1\u201d").arg(name);
    }
    if (fields.size() > kShown)
        quoted << tr("%1 more").arg(fields.size() - kShown);
    return QStringLiteral(" \u00b7 ")
        + (fields.size() == 1 ? tr("no record has the field %1 (names are case-sensitive)")
                              : tr("no record has the fields %1 (names are case-sensitive)"))
              .arg(quoted.join(QStringLiteral(", ")));
}

QVariant TrailModel::resultStyle(auditlens::Result result, int role)
{
    if (result != auditlens::Result::Failure)
        return {};
    if (role == Qt::ForegroundRole)
        return QBrush(toneColor(Tone::Failure, QGuiApplication::palette()));
    if (role == Qt::FontRole) {
        QFont f;
        f.setBold(true);
        return f;
    }
    return {};
}

QString TrailModel::columnTitle(int section, bool utc)
{
    switch (section) {
    case Time: return utc ? tr("Time (UTC)") : tr("Time (local)");
    case Actor: return tr("Actor");
    case Action: return tr("Action");
    case ResourceType: return tr("Resource type");
    case ResourceId: return tr("Resource ID");
    case Result: return tr("Result");
    case Interface: return tr("Interface");
    case Ip: return tr("IP");
    case ActorType: return tr("Actor type");
    case Account: return tr("Account");
    case Source: return tr("Source");
    default: return {};
    }
}

void TrailModel::sort(int column, Qt::SortOrder order)
{
    beginResetModel();
    m_sortColumn = column;
    m_sortOrder = order;
    m_orderSize = SIZE_MAX;
    if (m_snap.size())
        rebuildOrder();
    applySort();
    endResetModel();
}

void TrailModel::applySort()
{
    if (m_orderSize == SIZE_MAX)
        rebuildOrder();
    if (m_sortedFor != m_orderSize || m_sortedColumn != m_sortColumn || m_sortedOrder != m_sortOrder) {
        m_rows.swap(m_order);
        sortRows();
        m_rows.swap(m_order);
        m_sortedFor = m_orderSize;
        m_sortedColumn = m_sortColumn;
        m_sortedOrder = m_sortOrder;
    }
    // pick the filtered rows in display order: a linear pass over a bitmap
    if (m_filtered.size() == m_order.size()) {
        m_rows = m_order;
        return;
    }
    std::vector<uint8_t> pass(m_order.size(), 0);
    for (uint32_t r : m_filtered)
        if (r < pass.size())
            pass[r] = 1;
    m_rows.clear();
    m_rows.reserve(m_filtered.size());
    for (uint32_t r : m_order)
        if (pass[r])
            m_rows.push_back(r);
}

void TrailModel::sortRows()
{
    if (m_rows.empty() || m_snap.size() == 0)
        return; // nothing to sort (and an empty snapshot has no dictionaries to read)
    const bool asc = m_sortOrder == Qt::AscendingOrder;
    auto tieBreak = [](uint32_t a, uint32_t b) { return a < b; };
    if (m_sortColumn == Time) {
        std::vector<std::pair<int64_t, uint32_t>> keyed;
        keyed.reserve(m_rows.size());
        for (uint32_t r : m_rows)
            keyed.emplace_back(m_snap.time(r), r);
        std::sort(keyed.begin(), keyed.end(), [&](const auto &x, const auto &y) {
            if (x.first != y.first)
                return asc ? x.first < y.first : x.first > y.first;
            return tieBreak(x.second, y.second);
        });
        for (size_t i = 0; i < keyed.size(); ++i)
            m_rows[i] = keyed[i].second;
        return;
    }
    if (m_sortColumn == Result) {
        std::stable_sort(m_rows.begin(), m_rows.end(), [&](uint32_t a, uint32_t b) {
            const int ra = int(m_snap.result(a)), rb = int(m_snap.result(b));
            return asc ? ra < rb : ra > rb;
        });
        return;
    }
    if (m_sortColumn == ResourceId) {
        if (m_rows.size() > 200000)
            return; // would read every record back; not worth it on huge trails
        std::vector<std::pair<QString, uint32_t>> keyed;
        keyed.reserve(m_rows.size());
        for (uint32_t r : m_rows)
            keyed.emplace_back(resourceId(r), r);
        std::stable_sort(keyed.begin(), keyed.end(), [&](auto &x, auto &y) { return asc ? x.first < y.first : x.first > y.first; });
        for (size_t i = 0; i < keyed.size(); ++i)
            m_rows[i] = keyed[i].second;
        return;
    }
    const int c = storeColumn(m_sortColumn);
    if (c < 0)
        return;
    // sort dictionary ids by their text once, then rows by rank
    const StringDict &dict = m_snap.dict(Column(c));
    const size_t n = dict.size();
    std::vector<uint32_t> ids(n);
    std::vector<std::string> texts(n);
    for (size_t i = 0; i < n; ++i) {
        ids[i] = uint32_t(i);
        texts[i] = dict.at(uint32_t(i));
    }
    std::sort(ids.begin(), ids.end(), [&](uint32_t a, uint32_t b) { return texts[a] < texts[b]; });
    std::vector<uint32_t> rank(n);
    for (size_t i = 0; i < n; ++i)
        rank[ids[i]] = uint32_t(i);
    std::stable_sort(m_rows.begin(), m_rows.end(), [&](uint32_t a, uint32_t b) {
        const uint32_t ra = rank[m_snap.id(a, Column(c))], rb = rank[m_snap.id(b, Column(c))];
        return asc ? ra < rb : ra > rb;
    });
}

std::string fieldCellText(const query::FieldColumn &col, size_t row)
{
    if (row >= col.rows || col.start[row] == col.start[row + 1])
        return {};
    const uint32_t b = col.start[row], e = col.start[row + 1];
    if (e == b + 1)
        return col.values[col.ids[b]].type == query::ValueType::Null ? std::string() : col.values[col.ids[b]].text;
    std::string out = "[";
    for (uint32_t k = b; k < e; ++k) {
        const query::FieldValue &v = col.values[col.ids[k]];
        if (k > b)
            out += ',';
        if (v.type == query::ValueType::String)
            out += nlohmann::json(v.text).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        else
            out += v.text;
    }
    return out + ']';
}

void TrailModel::addFieldColumn(const QString &path, std::shared_ptr<query::FieldCache> cache)
{
    for (const FieldCol &fc : m_fieldCols)
        if (fc.path == path)
            return;
    m_fieldCache = std::move(cache);
    const int col = columnCount();
    beginInsertColumns({}, col, col);
    m_fieldCols.push_back({path, nullptr});
    endInsertColumns();
    readFieldColumns(); // when a read is running, its end starts the next

}

QString TrailModel::fieldColumnPath(int col) const
{
    return col >= ColCount && size_t(col - ColCount) < m_fieldCols.size() ? m_fieldCols[size_t(col - ColCount)].path : QString();
}

void TrailModel::readFieldColumns()
{
    if (m_fieldCols.empty() || !m_fieldCache || m_fieldWatcher.isRunning())
        return;
    bool stale = false;
    std::vector<std::string> paths;
    for (const FieldCol &fc : m_fieldCols) {
        paths.push_back(fc.path.toStdString());
        stale = stale || !fc.values || fc.values->rows < m_snap.size();
    }
    if (!stale)
        return;
    if (!m_fieldWatcherConnected) {
        m_fieldWatcherConnected = true;
        connect(&m_fieldWatcher, &QFutureWatcherBase::finished, this, [this] {
            const auto got = m_fieldWatcher.result();
            if (got.size() == m_fieldCols.size()) {
                for (size_t i = 0; i < got.size(); ++i)
                    m_fieldCols[i].values = got[i];
                if (!m_rows.empty())
                    emit dataChanged(index(0, ColCount), index(rowCount() - 1, columnCount() - 1));
            }
            readFieldColumns(); // columns added or rows appended meanwhile
        });
    }
    const Snapshot snap = m_snap;
    auto cache = m_fieldCache;
    m_fieldWatcher.setFuture(QtConcurrent::run([snap, cache, paths] { return cache->columns(snap, paths); }));
}

TrailModel::CellReader TrailModel::cellReader() const
{
    const Snapshot snap = m_snap;
    const bool utc = m_utc;
    std::vector<std::shared_ptr<const query::FieldColumn>> extra;
    for (const FieldCol &fc : m_fieldCols)
        extra.push_back(fc.values);
    return [snap, utc, extra](uint32_t r, int col, std::string_view raw) -> std::string {
        (void)utc; // exported times are RFC 3339 in UTC with every digit, whatever the display
        if (col >= ColCount) {
            const auto &c = extra[size_t(col - ColCount)];
            return c ? fieldCellText(*c, r) : std::string();
        }
        switch (col) {
        case Time: return snap.time(r) == kNoTime ? std::string() : formatRfc3339(snap.time(r), FractionMode::Nano);
        case Result: {
            const auditlens::Result res = snap.result(r);
            return res == auditlens::Result::Success ? "success" : res == auditlens::Result::Failure ? "failure" : "";
        }
        case ResourceId: {
            const auto j = nlohmann::json::parse(raw, nullptr, false);
            if (!j.is_object() || !j.contains("ResourceID"))
                return {};
            const auto &v = j["ResourceID"];
            return v.is_string() ? v.get<std::string>() : v.dump();
        }
        case Source: return snap.value(r, Column::Source) + ":" + std::to_string(snap.line(r));
        default: {
            const int c = storeColumn(col);
            return c < 0 ? std::string() : snap.value(r, Column(c));
        }
        }
    };
}

} // namespace auditlens::ui
