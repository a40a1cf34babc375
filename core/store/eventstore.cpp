// SPDX-License-Identifier: MIT
#include "eventstore.h"
#include "util/ascii.h"
#include "textsearch.h"

#include "source/bytesource.h"
#include "source/timestamp.h"

#include <simdjson.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>
#include <future>
#include <thread>

namespace auditlens {

static_assert(kRecordPadding >= simdjson::SIMDJSON_PADDING);

const char *columnName(Column c)
{
    switch (c) {
    case Column::Actor: return "actor";
    case Column::Action: return "action";
    case Column::ResourceType: return "resource type";
    case Column::ActorType: return "actor type";
    case Column::Interface: return "interface";
    case Column::SourceIp: return "source IP";
    case Column::Account: return "account";
    case Column::Source: return "source";
    }
    return "?";
}

const char *schemaName(Schema s)
{
    switch (s) {
    case Schema::V1: return "audit_logs";
    case Schema::V2: return "audit_logs_v2";
    case Schema::Unknown: break;
    }
    return "unknown";
}

// ------------------------------------------------------------------------------------------
// StringDict

StringDict::StringDict()
{
    m_offsets = {0, 0}; // id 0: ""
    m_table.assign(1024, 0);
    const size_t h = std::hash<std::string_view>{}(std::string_view());
    m_table[h & (m_table.size() - 1)] = 1;
}

std::string_view StringDict::viewLocked(uint32_t id) const
{
    return std::string_view(m_arena.data() + m_offsets[id], size_t(m_offsets[id + 1] - m_offsets[id]));
}

uint32_t StringDict::findLocked(std::string_view s, size_t hash) const
{
    const size_t mask = m_table.size() - 1;
    for (size_t i = hash & mask;; i = (i + 1) & mask) {
        const uint32_t slot = m_table[i];
        if (slot == 0)
            return UINT32_MAX;
        if (viewLocked(slot - 1) == s)
            return slot - 1;
    }
}

void StringDict::growLocked()
{
    std::vector<uint32_t> table(m_table.size() * 2, 0);
    const size_t mask = table.size() - 1;
    const size_t n = m_offsets.size() - 1;
    for (uint32_t id = 0; id < n; ++id) {
        size_t i = std::hash<std::string_view>{}(viewLocked(id)) & mask;
        while (table[i])
            i = (i + 1) & mask;
        table[i] = id + 1;
    }
    m_table.swap(table);
}

uint32_t StringDict::intern(std::string_view s)
{
    const size_t h = std::hash<std::string_view>{}(s);
    {
        std::shared_lock lock(m_mutex);
        const uint32_t id = findLocked(s, h);
        if (id != UINT32_MAX)
            return id;
    }
    std::unique_lock lock(m_mutex);
    const uint32_t found = findLocked(s, h);
    if (found != UINT32_MAX)
        return found;
    const auto id = uint32_t(m_offsets.size() - 1);
    m_arena.append(s);
    m_offsets.push_back(m_arena.size());
    if ((m_offsets.size() - 1) * 2 > m_table.size())
        growLocked();
    else {
        const size_t mask = m_table.size() - 1;
        size_t i = h & mask;
        while (m_table[i])
            i = (i + 1) & mask;
        m_table[i] = id + 1;
    }
    return id;
}

std::string StringDict::at(uint32_t id) const
{
    std::shared_lock lock(m_mutex);
    return id + 1 < m_offsets.size() ? std::string(viewLocked(id)) : std::string();
}

std::optional<uint32_t> StringDict::find(std::string_view s) const
{
    std::shared_lock lock(m_mutex);
    const uint32_t id = findLocked(s, std::hash<std::string_view>{}(s));
    if (id == UINT32_MAX)
        return std::nullopt;
    return id;
}

size_t StringDict::size() const
{
    std::shared_lock lock(m_mutex);
    return m_offsets.size() - 1;
}

// ------------------------------------------------------------------------------------------
// Index pass: one on-demand walk per record, no DOM.

namespace {
namespace od = simdjson::ondemand;

const char *describe(simdjson::error_code e)
{
    switch (e) {
    case simdjson::TAPE_ERROR: return "not valid JSON (a value, comma, colon or brace is missing or misplaced)";
    case simdjson::INCOMPLETE_ARRAY_OR_OBJECT: return "not valid JSON: an object or array is not closed";
    case simdjson::UNCLOSED_STRING: return "not valid JSON: a string is not closed";
    case simdjson::UTF8_ERROR: return "not valid UTF-8 text";
    case simdjson::UNESCAPED_CHARS: return "not valid JSON: a string contains a raw control character";
    case simdjson::STRING_ERROR: return "not valid JSON: a string has a bad escape sequence";
    case simdjson::NUMBER_ERROR: return "not valid JSON: a number is malformed";
    case simdjson::T_ATOM_ERROR: return "not valid JSON: unexpected text where a value should be";
    case simdjson::F_ATOM_ERROR: return "not valid JSON: unexpected text where a value should be";
    case simdjson::N_ATOM_ERROR: return "not valid JSON: unexpected text where a value should be";
    case simdjson::DEPTH_ERROR: return "nesting is too deep";
    case simdjson::EMPTY: return "empty record";
    case simdjson::TRAILING_CONTENT: return "not valid JSON: unexpected text after the end of the record";
    case simdjson::INCORRECT_TYPE: return "not valid JSON: unexpected value";
    default: return simdjson::error_message(e);
    }
}

/// A JSON number token (RFC 8259: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)?), with the
/// white space simdjson leaves after it. simdjson refuses valid numbers it cannot hold (integers
/// beyond 64 bits, doubles beyond 1.8e308): those are still valid JSON and their records are kept.
std::string_view jsonNumberToken(std::string_view tok)
{
    while (!tok.empty() && (tok.back() == ' ' || tok.back() == '\t' || tok.back() == '\r' || tok.back() == '\n'))
        tok.remove_suffix(1);
    size_t i = 0;
    const size_t n = tok.size();
    auto digits = [&] {
        const size_t from = i;
        while (i < n && tok[i] >= '0' && tok[i] <= '9')
            ++i;
        return i - from;
    };
    if (i < n && tok[i] == '-')
        ++i;
    if (i < n && tok[i] == '0')
        ++i;
    else if (digits() == 0)
        return {};
    if (i < n && tok[i] == '.') {
        ++i;
        if (digits() == 0)
            return {};
    }
    if (i < n && (tok[i] == 'e' || tok[i] == 'E')) {
        ++i;
        if (i < n && (tok[i] == '+' || tok[i] == '-'))
            ++i;
        if (digits() == 0)
            return {};
    }
    return i == n ? tok : std::string_view();
}

/// The value of a number that on-demand get_number() classed as a double. simdjson 3.0.1
/// (Debian 12) gives 0.0 there for a double of 19 or more significant digits
/// (1677184467.477256358, a nanosecond epoch time); its DOM parser and get_double() read the
/// same text right. The JSON text is read again, rounded to nearest as both parsers round.
double numberAsDouble(od::value &v, const od::number &n)
{
    const std::string_view tok = jsonNumberToken(v.raw_json_token());
    double d = 0;
    const auto [end, ec] = std::from_chars(tok.data(), tok.data() + tok.size(), d);
    return ec == std::errc() && end == tok.data() + tok.size() ? d : n.get_double();
}

/// True when `v` failed as a number only because simdjson cannot hold it.
bool isHugeNumber(od::value &v, simdjson::error_code e)
{
    return e == simdjson::NUMBER_ERROR && !jsonNumberToken(v.raw_json_token()).empty();
}

struct Walker
{
    int maxDepth;
    bool tooDeep = false;

    simdjson::error_code walk(od::value v, int depth)
    {
        if (depth > maxDepth) {
            tooDeep = true;
            return simdjson::DEPTH_ERROR;
        }
        od::json_type t;
        if (auto e = v.type().get(t))
            return e;
        switch (t) {
        case od::json_type::object: {
            od::object o;
            if (auto e = v.get_object().get(o))
                return e;
            for (auto field : o) {
                std::string_view k;
                if (auto e = field.unescaped_key().get(k))
                    return e;
                od::value fv;
                if (auto e = field.value().get(fv))
                    return e;
                if (auto e = walk(fv, depth + 1))
                    return e;
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::array: {
            od::array a;
            if (auto e = v.get_array().get(a))
                return e;
            for (auto el : a) {
                od::value ev;
                if (auto e = el.get(ev))
                    return e;
                if (auto e = walk(ev, depth + 1))
                    return e;
            }
            return simdjson::SUCCESS;
        }
        case od::json_type::string: {
            std::string_view s;
            return v.get_string().get(s);
        }
        case od::json_type::number: {
            od::number n;
            auto e = v.get_number().get(n);
            return isHugeNumber(v, e) ? simdjson::SUCCESS : e;
        }
        case od::json_type::boolean: {
            bool b;
            return v.get_bool().get(b);
        }
        case od::json_type::null: {
            bool isNull = false;
            if (auto e = v.is_null().get(isNull))
                return e;
            return isNull ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
        }
        }
        return simdjson::INCORRECT_TYPE;
    }
};

enum Key {
    KNone, KActionResult, KActionType, KActorEmail, KActorID, KActorIP, KActorIPAddress, KActorType, KInterface,
    KActorContext, KOwnerID, KAccountID, KResourceType, KWhen, KActionTimestamp, KID, KAuditLogID
};

Key keyOf(std::string_view k)
{
    if (k.size() < 2)
        return KNone;
    switch (k[0]) {
    case 'A':
        if (k == "ActionResult") return KActionResult;
        if (k == "ActionType") return KActionType;
        if (k == "ActorEmail") return KActorEmail;
        if (k == "ActorID") return KActorID;
        if (k == "ActorIP") return KActorIP;
        if (k == "ActorIPAddress") return KActorIPAddress;
        if (k == "ActorType") return KActorType;
        if (k == "ActorContext") return KActorContext;
        if (k == "AccountID") return KAccountID;
        if (k == "ActionTimestamp") return KActionTimestamp;
        if (k == "AuditLogID") return KAuditLogID;
        return KNone;
    case 'I':
        if (k == "Interface") return KInterface;
        if (k == "ID") return KID;
        return KNone;
    case 'O': return k == "OwnerID" ? KOwnerID : KNone;
    case 'R': return k == "ResourceType" ? KResourceType : KNone;
    case 'W': return k == "When" ? KWhen : KNone;
    default: return KNone;
    }
}


/// Why a record keeps no time: unreadable, or a real time that int64 nanoseconds cannot hold
/// (the record is kept, without a time, never with a wrapped one).
std::string timeWarning(std::string_view key, const std::string &shown, TimeError why)
{
    if (why == TimeError::OutOfRange)
        return std::string(key) + " " + shown + " is outside the times Auditlens can hold (" + kMinTimeText + " to "
               + kMaxTimeText + "); the record is kept without a time";
    return std::string(key) + " is not a time Auditlens can read: " + shown;
}

} // namespace

namespace {

/// Records up to this size are first checked with simdjson's DOM parser (about twice as fast as
/// the on-demand walk below); its memory, about 14 times the record's size per thread, stays
/// small. Larger records, and every record it refuses, take the on-demand walk.
constexpr size_t kDomRecordBytes = 1u << 20;

/// The index pass on a DOM parse: true when the record is valid and `r` is filled exactly as the
/// on-demand walk fills it; false when the walk must decide (invalid JSON, a number simdjson
/// cannot hold, too deep, not an object, a time whose JSON text is needed for its warning).
/// The DOM accepts no record the walk refuses (the fuzzer fuzz_index_vs_parser checks the same
/// pair for parseRecordJson): both share simdjson's stage 1 (UTF-8, control characters) and
/// its string and number parsers, and the depth limit below is the walk's.
bool indexRecordDom(std::string_view json, size_t capacity, int maxDepth, IndexedRecord &r)
{
    if (json.size() > kDomRecordBytes || capacity < json.size() + simdjson::SIMDJSON_PADDING || maxDepth < 1)
        return false;
    thread_local simdjson::dom::parser parser(kDomRecordBytes);
    // the DOM counts the root and every non-empty container, the walk counts levels below the
    // root: a record the walk accepts at maxDepth has at most maxDepth + 1 such levels
    const size_t depth = size_t(maxDepth) + 1;
    if (parser.max_depth() != depth && parser.allocate(std::max<size_t>(parser.capacity(), 4096), depth))
        return false;
    simdjson::dom::element root;
    if (parser.parse(json.data(), json.size(), false).get(root))
        return false;
    simdjson::dom::object obj;
    if (root.get_object().get(obj))
        return false;
    using T = simdjson::dom::element_type;
    std::string_view email, actorId;
    bool v1 = false, v2 = false;
    for (auto field : obj) {
        const std::string_view k = field.key;
        const Key key = keyOf(k);
        if (key == KNone)
            continue;
        const simdjson::dom::element v = field.value;
        const T vt = v.type();
        const auto str = [&](size_t col) {
            if (vt == T::STRING)
                r.values[col] = std::string(v.get_string().value_unsafe());
        };
        switch (key) {
        case KActionType: str(size_t(Column::Action)); break;
        case KActorEmail: str(size_t(Column::Actor)); email = r.values[size_t(Column::Actor)]; break;
        case KActorID: if (vt == T::STRING) actorId = v.get_string().value_unsafe(); break;
        case KActorIP: v1 = true; str(size_t(Column::SourceIp)); break;
        case KActorIPAddress: v2 = true; str(size_t(Column::SourceIp)); break;
        case KActorType: str(size_t(Column::ActorType)); break;
        case KInterface: str(size_t(Column::Interface)); break;
        case KActorContext: v2 = true; if (r.values[size_t(Column::Interface)].empty()) str(size_t(Column::Interface)); break;
        case KOwnerID: v1 = true; str(size_t(Column::Account)); break;
        case KAccountID: v2 = true; str(size_t(Column::Account)); break;
        case KResourceType: str(size_t(Column::ResourceType)); break;
        case KID:
        case KAuditLogID:
            (key == KID ? v1 : v2) = true;
            if (vt == T::STRING)
                r.id = (key == KID ? "v1:" : "v2:") + std::string(v.get_string().value_unsafe());
            break;
        case KActionResult:
            if (vt == T::BOOL) {
                r.result = v.get_bool().value_unsafe() ? Result::Success : Result::Failure;
            } else if (vt == T::STRING) {
                const std::string_view s = v.get_string().value_unsafe();
                if (asciiIEquals(s, "success") || asciiIEquals(s, "true"))
                    r.result = Result::Success;
                else if (asciiIEquals(s, "failure") || asciiIEquals(s, "false"))
                    r.result = Result::Failure;
            }
            break;
        case KWhen:
        case KActionTimestamp: {
            (key == KWhen ? v1 : v2) = true;
            std::optional<int64_t> ns;
            TimeError why = TimeError::None;
            if (vt == T::STRING) {
                const std::string_view s = v.get_string().value_unsafe();
                if ((ns = parseTimestampNs(s, &why)))
                    r.time = *ns;
                else
                    r.timeWarning = timeWarning(k, "'" + std::string(s.substr(0, 40)) + "'", why);
                break;
            }
            if (vt == T::INT64)
                ns = epochToNs(v.get_int64().value_unsafe(), &why);
            else if (vt == T::UINT64)
                ns = epochToNs(double(v.get_uint64().value_unsafe()), &why);
            else if (vt == T::DOUBLE)
                ns = epochToNs(v.get_double().value_unsafe(), &why);
            else {
                r.timeWarning = std::string(k) + " is neither a string nor a number";
                break;
            }
            if (!ns)
                return false; // the warning quotes the number's JSON text, which the DOM does not keep
            r.time = *ns;
            break;
        }
        case KNone: break;
        }
    }
    if (email.empty())
        r.values[size_t(Column::Actor)] = std::string(actorId);
    r.schema = v2 && !v1 ? Schema::V2 : v1 ? Schema::V1 : Schema::Unknown;
    r.ok = true;
    return true;
}

} // namespace

IndexedRecord indexRecord(std::string_view json, size_t capacity, int maxDepth)
{
    {
        IndexedRecord fast;
        if (indexRecordDom(json, capacity, std::min(maxDepth, int(simdjson::DEFAULT_MAX_DEPTH)), fast))
            return fast;
    }
    return indexRecordWalk(json, capacity, maxDepth);
}

IndexedRecord indexRecordWalk(std::string_view json, size_t capacity, int maxDepth)
{
    // simdjson's parsers stop at their own depth (1024); the walk recurses, so never further
    maxDepth = std::min(maxDepth, int(simdjson::DEFAULT_MAX_DEPTH));
    IndexedRecord r;
    thread_local od::parser parser;
    od::document doc;
    auto fail = [&](simdjson::error_code e, const char *at) {
        r.ok = false;
        r.error = describe(e);
        r.errorAt = at && at >= json.data() && at <= json.data() + json.size() ? size_t(at - json.data()) : 0;
        return r;
    };
    if (auto e = parser.iterate(json.data(), json.size(), capacity).get(doc))
        return fail(e, nullptr);
    od::json_type t;
    if (auto e = doc.type().get(t)) {
        const char *loc = nullptr;
        if (doc.current_location().get(loc)) loc = nullptr;
        return fail(e, loc);
    }
    if (t != od::json_type::object) {
        // a scalar or array document: is it valid JSON at all?
        simdjson::error_code verr = simdjson::SUCCESS;
        switch (t) {
        case od::json_type::null: {
            bool isNull = false;
            verr = doc.is_null().get(isNull);
            if (!verr && !isNull)
                verr = simdjson::N_ATOM_ERROR;
            break;
        }
        case od::json_type::boolean: { bool b; verr = doc.get_bool().get(b); break; }
        case od::json_type::number: {
            double x;
            verr = doc.get_double().get(x);
            std::string_view tok;
            if (verr == simdjson::NUMBER_ERROR && !doc.raw_json_token().get(tok) && !jsonNumberToken(tok).empty())
                verr = simdjson::SUCCESS; // valid, only too big: still not an object
            break;
        }
        case od::json_type::string: { std::string_view sv; verr = doc.get_string().get(sv); break; }
        case od::json_type::array: {
            od::array arr;
            verr = doc.get_array().get(arr);
            Walker w{maxDepth};
            if (!verr)
                for (auto el : arr) {
                    od::value ev;
                    if ((verr = el.get(ev)) || (verr = w.walk(ev, 1)))
                        break;
                }
            break;
        }
        default: break;
        }
        if (verr)
            return fail(verr == simdjson::INCORRECT_TYPE ? simdjson::TAPE_ERROR : verr, nullptr);
        const char *end = nullptr;
        if (doc.current_location().get(end) != simdjson::OUT_OF_BOUNDS && t != od::json_type::array)
            return fail(simdjson::TRAILING_CONTENT, end);
        r.error = std::string("record is a JSON ")
                  + (t == od::json_type::array ? "array" : t == od::json_type::string ? "string"
                     : t == od::json_type::number ? "number" : t == od::json_type::boolean ? "boolean" : "null")
                  + ", expected an object";
        return r;
    }
    od::object obj;
    if (auto e = doc.get_object().get(obj))
        return fail(e, nullptr);
    Walker walker{maxDepth};
    std::string_view email, actorId;
    bool v1 = false, v2 = false;
    for (auto field : obj) {
        std::string_view k;
        if (auto e = field.unescaped_key().get(k)) {
            const char *loc = nullptr;
            if (doc.current_location().get(loc)) loc = nullptr;
            return fail(e, loc);
        }
        const Key key = keyOf(k);
        od::value v;
        if (auto e = field.value().get(v))
            return fail(e, nullptr);
        std::string_view s;
        simdjson::error_code err = simdjson::SUCCESS;
        auto str = [&](size_t col) {
            od::json_type vt;
            if ((err = v.type().get(vt)))
                return;
            if (vt == od::json_type::string) {
                if (!(err = v.get_string().get(s)))
                    r.values[col] = std::string(s);
            } else {
                err = walker.walk(v, 1);
            }
        };
        switch (key) {
        case KActionType: str(size_t(Column::Action)); break;
        case KActorEmail: str(size_t(Column::Actor)); if (!err) email = r.values[size_t(Column::Actor)]; break;
        case KActorID: {
            od::json_type vt;
            if (!(err = v.type().get(vt))) {
                if (vt == od::json_type::string) {
                    if (!(err = v.get_string().get(s)))
                        actorId = s;
                } else
                    err = walker.walk(v, 1);
            }
            break;
        }
        case KActorIP: v1 = true; str(size_t(Column::SourceIp)); break;
        case KActorIPAddress: v2 = true; str(size_t(Column::SourceIp)); break;
        case KActorType: str(size_t(Column::ActorType)); break;
        case KInterface: str(size_t(Column::Interface)); break;
        case KActorContext: v2 = true; if (r.values[size_t(Column::Interface)].empty()) str(size_t(Column::Interface)); else err = walker.walk(v, 1); break;
        case KOwnerID: v1 = true; str(size_t(Column::Account)); break;
        case KAccountID: v2 = true; str(size_t(Column::Account)); break;
        case KResourceType: str(size_t(Column::ResourceType)); break;
        case KID:
        case KAuditLogID: {
            (key == KID ? v1 : v2) = true;
            od::json_type vt;
            if ((err = v.type().get(vt)))
                break;
            if (vt == od::json_type::string) {
                if (!(err = v.get_string().get(s)))
                    r.id = (key == KID ? "v1:" : "v2:") + std::string(s);
            } else
                err = walker.walk(v, 1);
            break;
        }
        case KActionResult: {
            od::json_type vt;
            if ((err = v.type().get(vt)))
                break;
            if (vt == od::json_type::boolean) {
                bool b = false;
                if (!(err = v.get_bool().get(b)))
                    r.result = b ? Result::Success : Result::Failure;
            } else if (vt == od::json_type::string) {
                if (!(err = v.get_string().get(s))) {
                    if (asciiIEquals(s, "success") || asciiIEquals(s, "true"))
                        r.result = Result::Success;
                    else if (asciiIEquals(s, "failure") || asciiIEquals(s, "false"))
                        r.result = Result::Failure;
                }
            } else
                err = walker.walk(v, 1);
            break;
        }
        case KWhen:
        case KActionTimestamp: {
            (key == KWhen ? v1 : v2) = true;
            od::json_type vt;
            if ((err = v.type().get(vt)))
                break;
            if (vt == od::json_type::string) {
                if (!(err = v.get_string().get(s))) {
                    TimeError why = TimeError::None;
                    if (auto ns = parseTimestampNs(s, &why))
                        r.time = *ns;
                    else
                        r.timeWarning = timeWarning(k, "'" + std::string(s.substr(0, 40)) + "'", why);
                }
            } else if (vt == od::json_type::number) {
                od::number n;
                err = v.get_number().get(n);
                if (isHugeNumber(v, err)) {
                    err = simdjson::SUCCESS;
                    r.timeWarning = timeWarning(k, std::string(jsonNumberToken(v.raw_json_token()).substr(0, 40)),
                                                TimeError::OutOfRange);
                } else if (!err) {
                    std::optional<int64_t> ns;
                    TimeError why = TimeError::None;
                    if (n.is_int64())
                        ns = epochToNs(n.get_int64(), &why);
                    else if (n.is_uint64())
                        ns = epochToNs(double(n.get_uint64()), &why);
                    else
                        ns = epochToNs(numberAsDouble(v, n), &why);
                    if (ns)
                        r.time = *ns;
                    else
                        r.timeWarning = timeWarning(k, std::string(v.raw_json_token().substr(0, 40)), why);
                }
            } else {
                r.timeWarning = std::string(k) + " is neither a string nor a number";
                err = walker.walk(v, 1);
            }
            break;
        }
        case KNone: err = walker.walk(v, 1); break;
        }
        if (err) {
            const char *loc = nullptr;
            if (doc.current_location().get(loc)) loc = nullptr;
            if (walker.tooDeep) {
                r.error = "nesting is deeper than the limit of " + std::to_string(maxDepth) + " levels";
                r.errorAt = loc ? size_t(loc - json.data()) : 0;
                return r;
            }
            return fail(err, loc);
        }
    }
    {
        const char *loc = nullptr;
        if (doc.current_location().get(loc) != simdjson::OUT_OF_BOUNDS)
            return fail(simdjson::TRAILING_CONTENT, loc);
    }
    if (email.empty())
        r.values[size_t(Column::Actor)] = std::string(actorId);
    r.schema = v2 && !v1 ? Schema::V2 : v1 ? Schema::V1 : Schema::Unknown;
    r.ok = true;
    return r;
}

// ------------------------------------------------------------------------------------------
// Snapshot

std::pair<const Segment *, size_t> Snapshot::locate(size_t row) const
{
    auto it = std::upper_bound(m_starts.begin(), m_starts.end(), row);
    const size_t si = size_t(it - m_starts.begin()) - 1;
    return {m_segments[si].get(), row - m_starts[si]};
}

int64_t Snapshot::time(size_t row) const { auto [s, i] = locate(row); return s->time[i]; }
uint32_t Snapshot::id(size_t row, Column c) const
{
    auto [s, i] = locate(row);
    return c == Column::Source ? s->sourceLabelId : s->cols[size_t(c)][i];
}
Result Snapshot::result(size_t row) const { auto [s, i] = locate(row); return Result(s->result[i]); }
Schema Snapshot::schema(size_t row) const { auto [s, i] = locate(row); return Schema(s->schema[i]); }
uint64_t Snapshot::line(size_t row) const { auto [s, i] = locate(row); return s->line[i]; }
std::string Snapshot::value(size_t row, Column c) const { return dict(c).at(id(row, c)); }

std::string Snapshot::raw(size_t row, std::string *error) const
{
    auto [s, i] = locate(row);
    if (!s->fileBacked)
        return s->memory->substr(s->pos[i], s->len[i]);
    std::string out, err;
    if (!readFileRange(source(s->sourceId).path, s->streamOffset + s->pos[i], s->len[i], out, err)) {
        if (error)
            *error = source(s->sourceId).label + ": " + err;
        return {};
    }
    return out;
}

// ------------------------------------------------------------------------------------------
// EventStore

struct EventStore::Impl
{
    mutable std::mutex mutex; // guards segments, starts, rows, rejected, sources
    std::vector<std::shared_ptr<const Segment>> segments;
    std::vector<size_t> starts;
    size_t rows = 0;
    std::shared_ptr<std::array<std::unique_ptr<StringDict>, kColumnCount>> dicts;
    std::shared_ptr<std::deque<SourceInfo>> sources;
    std::vector<Diagnostic> rejected;
    std::mutex loadMutex; // one load at a time keeps record order per load

    Impl() { reset(); }
    void reset()
    {
        dicts = std::make_shared<std::array<std::unique_ptr<StringDict>, kColumnCount>>();
        for (auto &p : *dicts)
            p = std::make_unique<StringDict>();
        sources = std::make_shared<std::deque<SourceInfo>>();
        segments.clear();
        starts.clear();
        rows = 0;
        rejected.clear();
    }
};

EventStore::EventStore() : d(std::make_unique<Impl>()) {}
EventStore::~EventStore() = default;

Snapshot EventStore::snapshot() const
{
    std::lock_guard lock(d->mutex);
    Snapshot s;
    s.m_segments = d->segments;
    s.m_starts = d->starts;
    s.m_rows = d->rows;
    s.m_dicts = d->dicts;
    s.m_sources = d->sources;
    return s;
}

std::vector<Diagnostic> EventStore::rejected() const
{
    std::lock_guard lock(d->mutex);
    return d->rejected;
}

size_t EventStore::rejectedCount() const
{
    std::lock_guard lock(d->mutex);
    return d->rejected.size();
}

void EventStore::clear()
{
    std::lock_guard l1(d->loadMutex);
    std::lock_guard lock(d->mutex);
    d->reset();
}

/// A block with the index pass's result for each of its records (recs[i] is spans[i]'s).
struct Indexed
{
    Block block;
    std::vector<IndexedRecord> recs;
};

namespace {

Indexed indexBlock(Block &&b, int maxDepth)
{
    Indexed out;
    out.recs.reserve(b.spans.size());
    const size_t cap = b.data->size();
    for (const RecordSpan &sp : b.spans)
        out.recs.push_back(indexRecord(std::string_view(b.data->data() + sp.pos, sp.len), cap - sp.pos, maxDepth));
    out.block = std::move(b);
    return out;
}

} // namespace

/// One source being appended: registers it, turns indexed blocks into segments, records its
/// summary at the end.
struct EventStore::Ingest
{
    Impl &d;
    std::string label;
    std::function<void(const Diagnostic &)> diags;
    std::function<void(uint64_t, size_t)> progress;
    uint32_t sourceId = 0, sourceLabelId = 0;
    uint64_t bytesSeen = 0, indexErrors = 0;
    size_t rowsAdded = 0;
    bool columns = true;

    Ingest(Impl &impl, std::string sourceLabel, const std::string &path, std::function<void(const Diagnostic &)> onDiag)
        : d(impl), label(std::move(sourceLabel)), diags(std::move(onDiag))
    {
        std::lock_guard lock(d.mutex);
        // sources is shared with snapshots: copy on write
        auto copy = std::make_shared<std::deque<SourceInfo>>(*d.sources);
        copy->push_back(SourceInfo{label, path, false, {}, nullptr});
        sourceId = uint32_t(copy->size() - 1);
        d.sources = copy;
        sourceLabelId = (*d.dicts)[size_t(Column::Source)]->intern(label);
    }

    void report(Diagnostic &&dg)
    {
        if (diags)
            diags(dg);
        if (dg.severity == Diagnostic::Severity::Error) {
            std::lock_guard lock(d.mutex);
            d.rejected.push_back(std::move(dg));
        }
    }

    void merge(Indexed &&ix)
    {
        auto seg = std::make_shared<Segment>();
        seg->sourceId = sourceId;
        seg->sourceLabelId = sourceLabelId;
        seg->fileBacked = ix.block.fileBacked;
        seg->streamOffset = ix.block.streamOffset;
        if (!seg->fileBacked)
            seg->memory = ix.block.data;
        const size_t n = ix.recs.size();
        seg->time.reserve(n);
        for (auto &c : seg->cols)
            c.reserve(n);
        std::array<std::unordered_map<std::string, uint32_t>, kColumnCount> cache;
        for (size_t i = 0; i < n; ++i) {
            IndexedRecord &r = ix.recs[i];
            const RecordSpan &sp = ix.block.spans[i];
            if (!r.ok) {
                ++indexErrors;
                report(Diagnostic{Diagnostic::Severity::Error, label, sp.line, ix.block.streamOffset + sp.pos + r.errorAt,
                                  r.error + (r.errorAt ? " (at byte " + std::to_string(r.errorAt) + " of the record)" : std::string()) + "; skipped"});
                continue;
            }
            if (!r.timeWarning.empty())
                report(Diagnostic{Diagnostic::Severity::Warning, label, sp.line, ix.block.streamOffset + sp.pos, r.timeWarning});
            seg->time.push_back(r.time);
            for (size_t c = 0; columns && c < kColumnCount; ++c) {
                uint32_t id = 0;
                if (c == size_t(Column::Source))
                    id = sourceLabelId;
                else if (!r.values[c].empty()) {
                    auto it = cache[c].find(r.values[c]);
                    if (it != cache[c].end())
                        id = it->second;
                    else {
                        id = (*d.dicts)[c]->intern(r.values[c]);
                        cache[c].emplace(r.values[c], id);
                    }
                }
                seg->cols[c].push_back(id);
            }
            seg->result.push_back(uint8_t(r.result));
            seg->schema.push_back(uint8_t(r.schema));
            seg->line.push_back(sp.line);
            seg->pos.push_back(sp.pos);
            seg->len.push_back(sp.len);
        }
        bytesSeen = ix.block.streamOffset + ix.block.dataLen;
        if (seg->size() == 0)
            return;
        rowsAdded += seg->size();
        if (!columns)
            for (auto &c : seg->cols)
                c.assign(seg->size(), 0);
        seg->cols[size_t(Column::Source)].clear();
        seg->cols[size_t(Column::Source)].shrink_to_fit();
        {
            std::lock_guard lock(d.mutex);
            d.starts.push_back(d.rows);
            d.rows += seg->size();
            d.segments.push_back(std::move(seg));
        }
        if (progress)
            progress(bytesSeen, rowsAdded);
    }

    /// The reader's summary with the index pass's rejections counted in; kept with the source.
    ReadSummary finish(ReadSummary summary, std::shared_ptr<const MappedFile> mapped = nullptr)
    {
        summary.errors += indexErrors;
        summary.records -= std::min<uint64_t>(summary.records, indexErrors);
        std::lock_guard lock(d.mutex);
        auto copy = std::make_shared<std::deque<SourceInfo>>(*d.sources);
        (*copy)[sourceId].fileBacked = summary.fileBacked;
        (*copy)[sourceId].summary = summary;
        (*copy)[sourceId].mapped = std::move(mapped);
        d.sources = copy;
        return summary;
    }
};

ReadSummary EventStore::load(const SourceSpec &spec, const LoadOptions &opts,
                             const std::function<void(const Diagnostic &)> &diags)
{
    std::lock_guard loadLock(d->loadMutex);
    Ingest in(*d, spec.label, spec.kind == SourceSpec::Kind::File ? spec.path : std::string(), diags);
    in.progress = opts.progress;
    in.columns = opts.columns;
    const unsigned threads = opts.threads ? opts.threads : std::max(1u, std::thread::hardware_concurrency());
    std::deque<std::future<Indexed>> inflight;
    const int maxDepth = opts.limits.maxDepth;
    SourceReader reader(opts.limits);
    auto blockSink = [&](Block &&b) {
        if (threads <= 1) {
            in.merge(indexBlock(std::move(b), maxDepth));
            return;
        }
        inflight.push_back(std::async(std::launch::async, [blk = std::move(b), maxDepth]() mutable {
            return indexBlock(std::move(blk), maxDepth);
        }));
        while (inflight.size() > threads) {
            in.merge(inflight.front().get());
            inflight.pop_front();
        }
    };
    const ReadSummary read = reader.read(spec, blockSink, [&](Diagnostic &&dg) { in.report(std::move(dg)); }, opts.cancel);
    while (!inflight.empty()) {
        in.merge(inflight.front().get());
        inflight.pop_front();
    }
    std::shared_ptr<const MappedFile> mapped;
    if (opts.mapFiles && read.fileBacked && !(opts.cancel && opts.cancel->load())) {
        std::string why; // without a mapping, searches read the file instead
        mapped = MappedFile::open(spec.path, true, why);
    }
    return in.finish(read, std::move(mapped));
}

ReadSummary EventStore::appendIndexed(const std::string &label, Block block, std::vector<IndexedRecord> recs,
                                      const std::function<void(const Diagnostic &)> &diags)
{
    std::lock_guard loadLock(d->loadMutex);
    Ingest in(*d, label, std::string(), diags);
    ReadSummary read;
    read.format = InputFormat::Ndjson;
    read.opened = true;
    read.records = recs.size();
    read.bytesRead = block.dataLen;
    in.merge(Indexed{std::move(block), std::move(recs)});
    return in.finish(read);
}

// ------------------------------------------------------------------------------------------
// Filtering

namespace {

/// Sets hit[i] for the rows [0, n) of `s` whose raw record contains `needle` (lower case).
/// A file mapped at load is scanned in place. Otherwise file-backed records are read about 256 KiB at a time, cut at record boundaries, so that they
/// are scanned while still in the cache they were copied to. Unreadable bytes (the file
/// changed on disk) give no hits.
void segmentTextHits(const Snapshot &snap, const Segment &s, size_t n, const std::string &needle, FileRangeReader &file,
                     std::string &buf, uint8_t *hit)
{
    if (!s.fileBacked) {
        markRecordsContaining(*s.memory, 0, s.pos.data(), s.len.data(), n, needle, hit);
        return;
    }
    if (n == 0)
        return;
    const uint64_t segEnd = s.streamOffset + s.pos[n - 1] + s.len[n - 1];
    if (const MappedFile *map = snap.source(s.sourceId).mapped.get(); map && map->size() >= segEnd) {
        struct Job
        {
            std::string_view bytes;
            const Segment *s;
            size_t n;
            const std::string *needle;
            uint8_t *hit;
        } job{std::string_view(map->data() + s.streamOffset, size_t(segEnd - s.streamOffset)), &s, n, &needle, hit};
        const bool whole = map->guarded(
            [](void *p) {
                auto *j = static_cast<Job *>(p);
                markRecordsContaining(j->bytes, 0, j->s->pos.data(), j->s->len.data(), j->n, *j->needle, j->hit);
            },
            &job);
        if (whole)
            return;
        // the file shrank under the mapping: read what is left of it below
        std::fill(hit, hit + n, 0);
    }
    constexpr uint64_t kChunk = 256u << 10;
    const std::string &path = snap.source(s.sourceId).path;
    size_t r = 0;
    while (r < n) {
        size_t e = r + 1;
        while (e < n && uint64_t(s.pos[e]) + s.len[e] - s.pos[r] <= kChunk)
            ++e;
        const uint64_t from = s.pos[r];
        const size_t bytes = size_t(uint64_t(s.pos[e - 1]) + s.len[e - 1] - from);
        if (file.read(path, s.streamOffset + from, bytes, buf))
            markRecordsContaining(buf, from, s.pos.data() + r, s.len.data() + r, e - r, needle, hit + r);
        r = e;
    }
}


struct Prepared
{
    std::array<std::vector<uint8_t>, kColumnCount> inc, exc; // bitmaps by id
    std::array<bool, kColumnCount> hasInc{}, hasExc{};
};

Prepared prepare(const Snapshot &snap, const Filter &f)
{
    Prepared p;
    for (size_t c = 0; c < kColumnCount; ++c) {
        const size_t n = snap.dict(Column(c)).size() + 1;
        if (!f.include[c].empty()) {
            p.hasInc[c] = true;
            p.inc[c].assign(n, 0);
            for (uint32_t id : f.include[c])
                if (id < n)
                    p.inc[c][id] = 1;
        }
        if (!f.exclude[c].empty()) {
            p.hasExc[c] = true;
            p.exc[c].assign(n, 0);
            for (uint32_t id : f.exclude[c])
                if (id < n)
                    p.exc[c][id] = 1;
        }
    }
    return p;
}

/// Calls accept(segment, index, row, misses) for the rows of segments [segBegin, segEnd) that
/// pass the time, result and text constraints and miss at most `allowedMisses` column
/// constraints; `misses` has bit c set for each column constraint c the row fails.
/// When the text is searched here (not cached) and `hitsOut` is given, the matches are also
/// written to hitsOut[row].
template<typename Fn>
void scan(const Snapshot &snap, const Filter &f, const std::atomic<bool> *cancel, Fn &&accept,
          size_t segBegin, size_t segEnd, int allowedMisses, uint8_t *hitsOut)
{
    const Prepared p = prepare(snap, f);
    const std::string needle = asciiLower(f.text);
    const auto &segs = snap.segments();
    const auto &starts = snap.segmentStarts();
    const bool cached = !needle.empty() && f.textHits && f.textHits->size() >= snap.size();
    FileRangeReader file;
    std::string buf;
    std::vector<uint8_t> hit;
    for (size_t si = segBegin; si < std::min(segEnd, segs.size()); ++si) {
        if (cancel && cancel->load(std::memory_order_relaxed))
            return;
        const Segment &s = *segs[si];
        const size_t n = std::min(s.size(), snap.size() - starts[si]);
        if (cached) {
            hit.assign(f.textHits->begin() + long(starts[si]), f.textHits->begin() + long(starts[si] + n));
        } else if (!needle.empty()) {
            hit.assign(n, 0);
            segmentTextHits(snap, s, n, needle, file, buf, hit.data());
            if (hitsOut)
                std::copy(hit.begin(), hit.end(), hitsOut + starts[si]);
        }
        for (size_t i = 0; i < n; ++i) {
            uint32_t misses = 0;
            int missed = 0;
            for (size_t c = 0; c < kColumnCount && missed <= allowedMisses; ++c) {
                if (!p.hasInc[c] && !p.hasExc[c])
                    continue;
                const uint32_t id = c == size_t(Column::Source) ? s.sourceLabelId : s.cols[c][i];
                if ((p.hasInc[c] && !(id < p.inc[c].size() && p.inc[c][id])) || (p.hasExc[c] && id < p.exc[c].size() && p.exc[c][id])) {
                    misses |= 1u << c;
                    ++missed;
                }
            }
            if (missed > allowedMisses)
                continue;
            if (f.from != INT64_MIN || f.to != INT64_MAX) {
                const int64_t t = s.time[i];
                if (t == kNoTime || t < f.from || t > f.to)
                    continue;
            }
            if (f.result != Result::Unknown && s.result[i] != uint8_t(f.result))
                continue;
            if (f.withoutResult && s.result[i] != uint8_t(Result::Unknown))
                continue;
            if (!needle.empty() && !hit[i])
                continue;
            if (f.rowMask && (starts[si] + i >= f.rowMask->size() || !(*f.rowMask)[starts[si] + i]))
                continue;
            accept(s, i, starts[si] + i, misses);
        }
    }
}

} // namespace

EventStore::Evaluation EventStore::evaluate(const Snapshot &snap, const Filter &f, const std::vector<Column> &facets,
                                             const std::atomic<bool> *cancel)
{
    // One pass for the rows, their times and every facet's counts: a row that meets every
    // constraint counts in every facet; a row that misses exactly one column constraint counts
    // only in that column's facet (facet counts ignore their own column's constraint).
    struct Part
    {
        std::vector<uint32_t> rows;
        std::vector<int64_t> times;
        std::vector<std::vector<uint64_t>> counts;
    };
    const auto &segs = snap.segments();
    const size_t threads = snap.size() < 50000 ? 1 : std::max<size_t>(1, std::min<size_t>(std::thread::hardware_concurrency(), segs.size()));
    std::vector<Part> parts(threads);
    std::shared_ptr<std::vector<uint8_t>> hits;
    if (!f.text.empty() && !(f.textHits && f.textHits->size() >= snap.size()))
        hits = std::make_shared<std::vector<uint8_t>>(snap.size(), 0);
    const auto idOf = [](const Segment &s, size_t i, Column c) { return c == Column::Source ? s.sourceLabelId : s.cols[size_t(c)][i]; };
    const auto run = [&](size_t t) {
        Part &part = parts[t];
        part.counts.resize(facets.size());
        for (size_t k = 0; k < facets.size(); ++k)
            part.counts[k].assign(snap.dict(facets[k]).size() + 1, 0);
        const auto bump = [&](size_t k, uint32_t id) {
            std::vector<uint64_t> &v = part.counts[k];
            if (id >= v.size())
                v.resize(id + 1, 0);
            ++v[id];
        };
        scan(
            snap, f, cancel,
            [&](const Segment &s, size_t i, size_t row, uint32_t misses) {
                if (misses == 0) {
                    part.rows.push_back(uint32_t(row));
                    part.times.push_back(s.time[i]);
                    for (size_t k = 0; k < facets.size(); ++k)
                        bump(k, idOf(s, i, facets[k]));
                    return;
                }
                for (size_t k = 0; k < facets.size(); ++k)
                    if (misses == 1u << size_t(facets[k]))
                        bump(k, idOf(s, i, facets[k]));
            },
            segs.size() * t / threads, segs.size() * (t + 1) / threads, 1, hits ? hits->data() : nullptr);
    };
    if (threads == 1) {
        run(0);
    } else {
        std::vector<std::future<void>> running;
        for (size_t t = 0; t < threads; ++t)
            running.push_back(std::async(std::launch::async, run, t));
        for (auto &r : running)
            r.get();
    }
    Evaluation out;
    out.textHits = std::move(hits);
    out.rows = std::move(parts[0].rows);
    out.times = std::move(parts[0].times);
    out.counts = std::move(parts[0].counts);
    for (size_t t = 1; t < threads; ++t) {
        out.rows.insert(out.rows.end(), parts[t].rows.begin(), parts[t].rows.end());
        out.times.insert(out.times.end(), parts[t].times.begin(), parts[t].times.end());
        for (size_t k = 0; k < facets.size(); ++k) {
            std::vector<uint64_t> &sum = out.counts[k];
            const std::vector<uint64_t> &add = parts[t].counts[k];
            if (add.size() > sum.size())
                sum.resize(add.size(), 0);
            for (size_t id = 0; id < add.size(); ++id)
                sum[id] += add[id];
        }
    }
    return out;
}

std::vector<std::pair<uint32_t, uint64_t>> EventStore::top(const std::vector<uint64_t> &counts, size_t n)
{
    std::vector<std::pair<uint32_t, uint64_t>> v;
    for (size_t i = 0; i < counts.size(); ++i)
        if (counts[i])
            v.emplace_back(uint32_t(i), counts[i]);
    std::sort(v.begin(), v.end(), [](auto &a, auto &b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    if (n && v.size() > n)
        v.resize(n);
    return v;
}

namespace {

void toJson(simdjson::dom::element e, nlohmann::ordered_json &out)
{
    using T = simdjson::dom::element_type;
    switch (e.type()) {
    case T::OBJECT: {
        simdjson::dom::object o;
        if (e.get_object().get(o))
            return;
        out = nlohmann::ordered_json::object();
        auto &obj = out.get_ref<nlohmann::ordered_json::object_t &>();
        obj.reserve(o.size());
        for (auto field : o) {
            nlohmann::ordered_json child;
            toJson(field.value, child);
            out[std::string(field.key)] = std::move(child); // a repeated key keeps the last value
        }
        return;
    }
    case T::ARRAY: {
        simdjson::dom::array a;
        if (e.get_array().get(a))
            return;
        out = nlohmann::ordered_json::array();
        out.get_ref<nlohmann::ordered_json::array_t &>().reserve(a.size());
        for (auto child : a) {
            nlohmann::ordered_json c;
            toJson(child, c);
            out.push_back(std::move(c));
        }
        return;
    }
    case T::STRING: out = std::string(e.get_string().value_unsafe()); return;
    case T::INT64: {
        const int64_t x = e.get_int64().value_unsafe();
        if (x >= 0)
            out = uint64_t(x);
        else
            out = x;
        return;
    }
    case T::UINT64: out = e.get_uint64().value_unsafe(); return;
    case T::DOUBLE: out = e.get_double().value_unsafe(); return;
    case T::BOOL: out = e.get_bool().value_unsafe(); return;
    case T::NULL_VALUE: out = nullptr; return;
    }
}

/// The same conversion as toJson from an on-demand walk, for the records the DOM parser refuses
/// only for a number it cannot hold: such a number becomes a string of its exact JSON text
/// (nothing is rounded away: the record's `message` keeps the whole record as it was).
simdjson::error_code onDemandToJson(od::value v, nlohmann::ordered_json &out)
{
    od::json_type t;
    if (auto e = v.type().get(t))
        return e;
    switch (t) {
    case od::json_type::object: {
        od::object o;
        if (auto e = v.get_object().get(o))
            return e;
        out = nlohmann::ordered_json::object();
        for (auto field : o) {
            std::string_view k;
            od::value fv;
            if (auto e = field.unescaped_key().get(k))
                return e;
            std::string key(k);
            if (auto e = field.value().get(fv))
                return e;
            nlohmann::ordered_json child;
            if (auto e = onDemandToJson(fv, child))
                return e;
            out[std::move(key)] = std::move(child); // a repeated key keeps the last value
        }
        return simdjson::SUCCESS;
    }
    case od::json_type::array: {
        od::array a;
        if (auto e = v.get_array().get(a))
            return e;
        out = nlohmann::ordered_json::array();
        for (auto el : a) {
            od::value ev;
            if (auto e = el.get(ev))
                return e;
            nlohmann::ordered_json c;
            if (auto e = onDemandToJson(ev, c))
                return e;
            out.push_back(std::move(c));
        }
        return simdjson::SUCCESS;
    }
    case od::json_type::string: {
        std::string_view sv;
        if (auto e = v.get_string().get(sv))
            return e;
        out = std::string(sv);
        return simdjson::SUCCESS;
    }
    case od::json_type::number: {
        od::number n;
        const auto e = v.get_number().get(n);
        if (isHugeNumber(v, e)) {
            out = std::string(jsonNumberToken(v.raw_json_token()));
            return simdjson::SUCCESS;
        }
        if (e)
            return e;
        if (n.is_int64()) {
            if (n.get_int64() >= 0)
                out = uint64_t(n.get_int64());
            else
                out = n.get_int64();
        } else if (n.is_uint64()) {
            out = n.get_uint64();
        } else {
            out = numberAsDouble(v, n);
        }
        return simdjson::SUCCESS;
    }
    case od::json_type::boolean: {
        bool b = false;
        if (auto e = v.get_bool().get(b))
            return e;
        out = b;
        return simdjson::SUCCESS;
    }
    case od::json_type::null: {
        bool isNull = false;
        if (auto e = v.is_null().get(isNull))
            return e;
        if (!isNull)
            return simdjson::N_ATOM_ERROR;
        out = nullptr;
        return simdjson::SUCCESS;
    }
    }
    return simdjson::INCORRECT_TYPE;
}

size_t domDepth(simdjson::dom::element e, size_t limit, size_t depth = 0)
{
    if (depth > limit)
        return depth;
    size_t best = depth;
    if (e.is_object()) {
        simdjson::dom::object o;
        if (!e.get_object().get(o))
            for (auto f : o)
                best = std::max(best, domDepth(f.value, limit, depth + 1));
    } else if (e.is_array()) {
        simdjson::dom::array a;
        if (!e.get_array().get(a))
            for (auto c : a)
                best = std::max(best, domDepth(c, limit, depth + 1));
    }
    return best;
}

} // namespace

namespace {
bool parseRecordOnDemand(std::string_view json, size_t capacity, nlohmann::ordered_json &out, std::string &error,
                         const std::vector<std::string> *keep)
{
    thread_local od::parser parser;
    od::document doc;
    od::object obj;
    simdjson::error_code e = parser.iterate(json.data(), json.size(), capacity).get(doc);
    if (!e)
        e = doc.get_object().get(obj);
    out = nlohmann::ordered_json::object();
    if (!e)
        for (auto field : obj) {
            std::string_view k;
            od::value v;
            if ((e = field.unescaped_key().get(k)))
                break;
            std::string key(k);
            if ((e = field.value().get(v)))
                break;
            if (keep && std::find(keep->begin(), keep->end(), key) == keep->end())
                continue; // validated by the index pass already
            nlohmann::ordered_json child;
            if ((e = onDemandToJson(v, child)))
                break;
            out[std::move(key)] = std::move(child);
        }
    if (e) { // the index pass accepted the record: this would be a bug, not bad input
        error = std::string("record could not be converted: ") + describe(e);
        return false;
    }
    return true;
}
} // namespace

bool parseRecordJson(std::string_view json, size_t capacity, int maxDepth, nlohmann::ordered_json &out,
                     std::string &error, size_t &errorAt, const std::vector<std::string> *keep)
{
    // A full parse is fine here (one record on its way to the engine); the index pass of the
    // store uses the on-demand walker instead.
    (void)capacity;
    thread_local simdjson::dom::parser parser(size_t(1) << 30);
    errorAt = 0;
    simdjson::dom::element root;
    const auto err = parser.parse(json.data(), json.size(), false).get(root);
    if (err || !root.is_object()) {
        // the index pass decides, and words the problem (with its position) the same way everywhere
        IndexedRecord r = indexRecord(json, capacity, maxDepth);
        if (!r.ok) {
            error = r.error.empty() ? std::string("record is not a JSON object") : r.error;
            errorAt = r.errorAt;
            return false;
        }
        // valid for the index pass: refused by the DOM only for a number beyond what it holds
        return parseRecordOnDemand(json, capacity, out, error, keep);
    }
    // simdjson's own depth limit is 1024: check ours on deep records only
    if (json.size() > size_t(maxDepth) && domDepth(root, size_t(maxDepth)) > size_t(maxDepth)) {
        error = "nesting is deeper than the limit of " + std::to_string(maxDepth) + " levels";
        return false;
    }
    out = nlohmann::ordered_json::object();
    auto &obj = out.get_ref<nlohmann::ordered_json::object_t &>();
    obj.reserve(32);
    simdjson::dom::object rootObj;
    if (root.get_object().get(rootObj)) {
        error = "record is not a JSON object";
        return false;
    }
    for (auto field : rootObj) {
        if (keep && std::find(keep->begin(), keep->end(), field.key) == keep->end())
            continue;
        nlohmann::ordered_json child;
        toJson(field.value, child);
        if (obj.size() == obj.capacity())
            obj.reserve(obj.size() * 2);
        out[std::string(field.key)] = std::move(child);
    }
    return true;
}

} // namespace auditlens
