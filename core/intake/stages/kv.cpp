// SPDX-License-Identifier: MIT
// kv.parse-kv: `key=value` items. Both separators are regular expressions.
//
// * A value wrapped in double or single quotes loses them (separators inside the quotes do not
//   split); keys and values are trimmed (a quoted value inside its quotes too).
// * A token without a value separator extends the previous value only when items are
//   separated by white space (`category=Business, Software` with `\s`); otherwise it is dropped.
//   An empty token (two separators in a row) extends it by a space. An extended value is the
//   text as written, unquoted only when it is quoted as a whole (`a=""  b` keeps `""`).
// * White space around the whole input separates nothing.
// * The last occurrence of a key wins.
// * `groups: true`: `[name k=v …]` becomes a nested dict under `name`; `[k=v …]` (no name)
//   adds its items to the enclosing dict.
#include "stages.h"

#include <QRegularExpression>
#include <QString>

namespace auditlens::intake::stages {

namespace {

constexpr int kMaxGroupDepth = 64;

/// The first match of a regex at or after a position, remembered so that scanning forward
/// costs one search per match, not one per item.
class NextMatch
{
public:
    NextMatch(const QRegularExpression &re, const QString &text) : m_re(re), m_text(text) {}
    /// Start and end of the first match at or after `pos`; start -1 when there is none.
    std::pair<qsizetype, qsizetype> from(qsizetype pos)
    {
        if (m_done || (m_start >= pos && m_start >= 0))
            return {m_done ? -1 : m_start, m_end};
        qsizetype at = pos;
        while (at <= m_text.size()) {
            const QRegularExpressionMatch m = m_re.match(m_text, at);
            if (!m.hasMatch()) {
                m_done = true;
                return {-1, -1};
            }
            if (m.capturedLength() > 0) {
                m_start = m.capturedStart();
                m_end = m.capturedEnd();
                return {m_start, m_end};
            }
            at = m.capturedStart() + 1; // an empty match separates nothing
        }
        m_done = true;
        return {-1, -1};
    }
    /// Does a (non-empty) match start exactly at `pos`?
    bool at(qsizetype pos)
    {
        const auto [s, e] = from(pos);
        return s == pos;
    }

private:
    const QRegularExpression &m_re;
    const QString &m_text;
    qsizetype m_start = -1, m_end = -1;
    bool m_done = false;
};

class KvStage final : public ExternalStage
{
public:
    KvStage(const QString &valueSep, const QString &itemSep, bool groups)
        : m_valueSep(valueSep), m_itemSep(itemSep), m_groups(groups)
    {
        if (!m_valueSep.isValid())
            m_regexError = "value_sep '" + valueSep.toStdString() + "' is not a valid regular expression ("
                           + m_valueSep.errorString().toStdString() + ")";
        else if (!m_itemSep.isValid())
            m_regexError = "item_sep '" + itemSep.toStdString() + "' is not a valid regular expression ("
                           + m_itemSep.errorString().toStdString() + ")";
        const QRegularExpression wholeSpace(QStringLiteral("\\A(?:") + itemSep + QStringLiteral(")\\z"));
        m_whitespaceItems = wholeSpace.isValid() && wholeSpace.match(QStringLiteral(" ")).hasMatch();
    }

    bool run(const Json &input, Json &output, std::string &error) const override
    {
        // An invalid regex is answered per record: the parsers written for the reference rely
        // on such a stage failing quietly rather than the whole parser being refused.
        if (!m_regexError.empty()) {
            error = m_regexError;
            return false;
        }
        std::string text;
        if (!inputText(input, text, error, "kv.parse-kv"))
            return false;
        // white space around the whole text separates nothing (a message ending in "\n\n")
        const QString s = QString::fromStdString(text).trimmed();
        Scan scan{s, NextMatch(m_valueSep, s), NextMatch(m_itemSep, s)};
        output = Json::object();
        qsizetype pos = 0;
        if (!items(scan, pos, output, 0, error))
            return false;
        return true;
    }

private:
    struct Scan
    {
        const QString &s;
        NextMatch value;
        NextMatch item;
    };

    static std::string trimmed(const QString &s, qsizetype from, qsizetype to)
    {
        return s.mid(from, to - from).trimmed().toStdString();
    }

    /// A value extended by the tokens after it (`lastStart` to `end`, as written): the quotes
    /// come off only when the whole text is quoted, then it is trimmed.
    static std::string continued(const QString &s, qsizetype from, qsizetype to)
    {
        QString raw = s.mid(from, to - from);
        if (raw.size() >= 2 && (raw[0] == QLatin1Char('"') || raw[0] == QLatin1Char('\'')) && raw.back() == raw[0])
            raw = raw.mid(1, raw.size() - 2);
        return raw.trimmed().toStdString();
    }

    /// The next place an unquoted value or a token ends.
    qsizetype boundary(Scan &sc, qsizetype pos) const
    {
        qsizetype b = sc.item.from(pos).first;
        if (b < 0)
            b = sc.s.size();
        if (m_groups)
            for (qsizetype k = pos; k < b; ++k)
                if (sc.s[k] == QLatin1Char('[') || sc.s[k] == QLatin1Char(']'))
                    return k;
        return b;
    }

    /// The closing quote of a value opened at `open`: the first one followed by an item
    /// separator, a group bracket or the end; else the first one; -1 when there is none.
    qsizetype closingQuote(Scan &sc, qsizetype open) const
    {
        const QChar q = sc.s[open];
        qsizetype first = -1;
        for (qsizetype k = open + 1; k < sc.s.size(); ++k) {
            if (sc.s[k] == QLatin1Char('\\')) {
                ++k;
                continue;
            }
            if (sc.s[k] != q)
                continue;
            if (first < 0)
                first = k;
            const qsizetype next = k + 1;
            if (next == sc.s.size() || sc.item.at(next)
                || (m_groups && (sc.s[next] == QLatin1Char('[') || sc.s[next] == QLatin1Char(']'))))
                return k;
        }
        return first;
    }

    /// Items into `out` until the end (or the `]` closing the group at `depth` > 0).
    bool items(Scan &sc, qsizetype &pos, Json &out, int depth, std::string &error) const
    {
        const QString &s = sc.s;
        std::string lastKey;     // the key whose unquoted value a token may extend
        qsizetype lastStart = 0; // where that value started
        while (pos < s.size()) {
            // separators between items; two in a row leave an empty token, which extends the
            // previous value by a space (a quoted value then keeps its quotes: `a=""  b=1`)
            if (sc.item.at(pos)) {
                const qsizetype after = sc.item.from(pos).second;
                if (m_whitespaceItems && !lastKey.empty() && after < s.size() && sc.item.at(after))
                    out[lastKey] = continued(s, lastStart, after);
                pos = after;
                continue;
            }
            if (m_groups && s[pos] == QLatin1Char(']')) {
                ++pos;
                if (depth > 0)
                    return true;
                lastKey.clear();
                continue;
            }
            if (m_groups && s[pos] == QLatin1Char('[')) {
                if (depth + 1 > kMaxGroupDepth) {
                    error = "groups nest deeper than " + std::to_string(kMaxGroupDepth) + " levels";
                    return false;
                }
                ++pos;
                const qsizetype nameEnd = boundary(sc, pos);
                const auto vs = sc.value.from(pos);
                lastKey.clear();
                if (vs.first >= 0 && vs.first < nameEnd) { // `[k=v …]`: items of this level
                    if (!items(sc, pos, out, depth + 1, error))
                        return false;
                    continue;
                }
                const std::string name = trimmed(s, pos, nameEnd);
                pos = nameEnd;
                Json sub = out.contains(name) && out[name].is_object() ? out[name] : Json::object();
                if (!items(sc, pos, sub, depth + 1, error))
                    return false;
                if (!name.empty())
                    out[name] = std::move(sub);
                continue;
            }
            const qsizetype end = boundary(sc, pos);
            const auto vs = sc.value.from(pos);
            if (vs.first < 0 || vs.first >= end) { // a token without a value separator
                if (end == pos) { // a lone bracket outside groups mode cannot happen; guard anyway
                    ++pos;
                    continue;
                }
                if (m_whitespaceItems && !lastKey.empty())
                    out[lastKey] = continued(s, lastStart, end);
                pos = end;
                continue;
            }
            const std::string key = trimmed(s, pos, vs.first);
            qsizetype v = vs.second;
            while (v < s.size() && s[v] == QLatin1Char(' ') && !sc.item.at(v))
                ++v;
            if (v < s.size() && (s[v] == QLatin1Char('"') || s[v] == QLatin1Char('\''))) {
                const qsizetype close = closingQuote(sc, v);
                if (close > v) {
                    if (!key.empty())
                        out[key] = s.mid(v + 1, close - v - 1).trimmed().toStdString();
                    lastKey = key;
                    lastStart = v;
                    pos = close + 1;
                    continue;
                }
            }
            const qsizetype vend = boundary(sc, vs.second);
            if (!key.empty()) {
                out[key] = trimmed(s, vs.second, vend);
                lastKey = key;
                lastStart = vs.second;
            } else
                lastKey.clear();
            pos = vend;
        }
        return true;
    }

    QRegularExpression m_valueSep, m_itemSep;
    bool m_groups = false;
    bool m_whitespaceItems = false;
    std::string m_regexError;
};

} // namespace

std::unique_ptr<ExternalStage> compileKv(const Properties &p, std::string &error)
{
    bool ok = true;
    const std::string valueSep = p.string("value_sep", &ok).value_or("=");
    const std::string itemSep = p.string("item_sep", &ok).value_or("\\s");
    const bool groups = p.boolean("groups", false, &ok);
    const bool reversed = p.boolean("reversed", false, &ok);
    if (!ok) {
        error = "value_sep and item_sep must be texts, groups and reversed booleans";
        return nullptr;
    }
    if (reversed) {
        error = "'reversed: true' is not supported";
        return nullptr;
    }
    if (valueSep.empty() || itemSep.empty()) {
        error = "value_sep and item_sep must not be empty";
        return nullptr;
    }
    return std::make_unique<KvStage>(QString::fromStdString(valueSep), QString::fromStdString(itemSep), groups);
}

} // namespace auditlens::intake::stages
