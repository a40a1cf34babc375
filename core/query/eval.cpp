// SPDX-License-Identifier: MIT
#include "eval.h"

#include "source/timestamp.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <map>
#include <optional>

namespace auditlens::query {

std::optional<double> fullNumber(const std::string &s)
{
    if (s.empty())
        return std::nullopt;
    const char *b = s.c_str();
    char *e = nullptr;
    errno = 0;
    const double d = std::strtod(b, &e);
    if (e != b + s.size() || s.front() == ' ' || s.back() == ' ')
        return std::nullopt;
    // "inf", "nan", hex floats are not JSON numbers
    for (char c : s)
        if (!((c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'))
            return std::nullopt;
    return d;
}

namespace {

using Mask = std::vector<uint8_t>;

/// How a Range node compares: numbers, times or strings, decided by its value.
struct RangeTest
{
    enum class As { Number, Time, String } as = As::String;
    double number = 0;
    int64_t time = 0;
    const Node *node = nullptr;

    explicit RangeTest(const Node &n) : node(&n)
    {
        if (auto d = fullNumber(n.value)) {
            as = As::Number;
            number = *d;
        } else if (auto t = parseTimestampNs(n.value)) {
            as = As::Time;
            time = *t;
        }
    }
    template<typename T>
    bool compare(const T &a, const T &b) const
    {
        switch (node->op) {
        case Node::Op::Lt: return a < b;
        case Node::Op::Le: return a <= b;
        case Node::Op::Gt: return a > b;
        case Node::Op::Ge: return a >= b;
        }
        return false;
    }
    bool operator()(const FieldValue &v) const
    {
        switch (as) {
        case As::Number: return v.type == ValueType::Number && compare(v.number, number);
        case As::Time: {
            std::optional<int64_t> t;
            if (v.type == ValueType::String)
                t = parseTimestampNs(v.text);
            else if (v.type == ValueType::Number)
                t = epochToNs(v.number);
            return t && compare(*t, time);
        }
        case As::String: return v.type == ValueType::String && compare(v.text, node->value);
        }
        return false;
    }
};

class Evaluator
{
public:
    Evaluator(const Snapshot &snap, const std::map<std::string, std::shared_ptr<const FieldColumn>> &cols,
              const std::atomic<bool> *cancel)
        : m_snap(snap), m_cols(cols), m_cancel(cancel), m_n(snap.size())
    {
    }

    bool cancelled() const { return m_cancel && m_cancel->load(std::memory_order_relaxed); }

    Mask eval(const Node &n)
    {
        switch (n.kind) {
        case Node::Kind::And: {
            Mask m(m_n, 1);
            for (const auto &k : n.kids) {
                const Mask km = eval(*k);
                for (size_t r = 0; r < m_n; ++r)
                    m[r] &= km[r];
            }
            return m;
        }
        case Node::Kind::Or: {
            Mask m(m_n, 0);
            for (const auto &k : n.kids) {
                const Mask km = eval(*k);
                for (size_t r = 0; r < m_n; ++r)
                    m[r] |= km[r];
            }
            return m;
        }
        case Node::Kind::Not: {
            Mask m = eval(*n.kids[0]);
            for (auto &b : m)
                b ^= 1;
            return m;
        }
        case Node::Kind::Match: return byValue(n, [&n](const FieldValue &v) { return valueMatches(n, v); });
        case Node::Kind::Exists: return byValue(n, [](const FieldValue &v) { return v.type != ValueType::Null; });
        case Node::Kind::Range: {
            const RangeTest test(n);
            return byValue(n, test);
        }
        case Node::Kind::Text: return text(n.value);
        }
        return Mask(m_n, 0);
    }

private:
    template<typename Pred>
    Mask byValue(const Node &n, const Pred &pred)
    {
        Mask m(m_n, 0);
        auto it = m_cols.find(n.field);
        if (it == m_cols.end() || !it->second)
            return m;
        const FieldColumn &c = *it->second;
        std::vector<uint8_t> ok(c.values.size());
        for (size_t id = 0; id < c.values.size(); ++id)
            ok[id] = pred(c.values[id]) ? 1 : 0;
        const size_t rows = std::min(m_n, c.rows);
        for (size_t r = 0; r < rows; ++r)
            for (uint32_t k = c.start[r]; k < c.start[r + 1]; ++k)
                if (ok[c.ids[k]]) {
                    m[r] = 1;
                    break;
                }
        return m;
    }

    Mask text(const std::string &needle)
    {
        Mask m(m_n, 0);
        if (needle.empty()) {
            std::fill(m.begin(), m.end(), 1);
            return m;
        }
        Filter f;
        f.text = needle;
        const EventStore::Evaluation ev = EventStore::evaluate(m_snap, f, {}, m_cancel);
        for (uint32_t r : ev.rows)
            if (r < m_n)
                m[r] = 1;
        return m;
    }

    const Snapshot &m_snap;
    const std::map<std::string, std::shared_ptr<const FieldColumn>> &m_cols;
    const std::atomic<bool> *m_cancel;
    size_t m_n;
};

} // namespace

std::shared_ptr<const Query> Query::parse(const std::string &text)
{
    auto q = std::make_shared<Query>();
    q->m_text = text;
    q->m_parsed = parseKql(text);
    q->m_fields = queryFields(q->m_parsed.root.get());
    return q;
}

std::string Query::describeError() const
{
    if (ok())
        return {};
    return "query error at character " + std::to_string(m_parsed.errorPos + 1) + ": " + m_parsed.error + "\n  " + m_text +
           "\n  " + std::string(m_parsed.errorPos, ' ') + "^";
}

bool valueMatches(const Node &n, const FieldValue &v)
{
    if (v.type == ValueType::Object || v.type == ValueType::Null)
        return false;
    if (n.quoted)
        return v.text == n.value;
    if (n.wildcard)
        return wildcardMatch(n.pattern, v.text);
    switch (v.type) {
    case ValueType::String:
    case ValueType::Bool: return v.text == n.value;
    case ValueType::Number: {
        if (v.text == n.value)
            return true;
        const auto d = fullNumber(n.value);
        return d && *d == v.number;
    }
    default: return false;
    }
}

std::shared_ptr<std::vector<uint8_t>> evaluateQuery(const Query &q, const Snapshot &snap, FieldCache &cache,
                                                    const std::atomic<bool> *cancel)
{
    if (!q.ok())
        return nullptr;
    if (q.matchesAll())
        return std::make_shared<std::vector<uint8_t>>(snap.size(), 1);
    std::map<std::string, std::shared_ptr<const FieldColumn>> cols;
    if (!q.fields().empty()) {
        auto got = cache.columns(snap, q.fields(), cancel);
        if (got.size() != q.fields().size())
            return nullptr;
        for (size_t k = 0; k < got.size(); ++k)
            cols[q.fields()[k]] = got[k];
    }
    Evaluator ev(snap, cols, cancel);
    auto out = std::make_shared<std::vector<uint8_t>>(ev.eval(*q.root()));
    if (ev.cancelled())
        return nullptr;
    return out;
}

std::vector<std::string> absentFields(const Query &q, const Snapshot &snap, FieldCache &cache,
                                      const std::atomic<bool> *cancel)
{
    std::vector<std::string> out;
    if (!q.ok() || q.fields().empty())
        return out;
    const auto cols = cache.columns(snap, q.fields(), cancel);
    if (cols.size() != q.fields().size())
        return out;
    for (size_t k = 0; k < cols.size(); ++k) {
        // (every value of a column is some row's: one that is not null is a record that has it)
        const auto &values = cols[k]->values;
        if (std::none_of(values.begin(), values.end(), [](const FieldValue &v) { return v.type != ValueType::Null; }))
            out.push_back(q.fields()[k]);
    }
    return out;
}

} // namespace auditlens::query
