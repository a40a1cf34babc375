// SPDX-License-Identifier: MIT
// One record's JSON: the index pass (indexRecord: the store's columns and the checks every
// record gets) and the record parser (parseRecordJson: the record as JSON for the engine and the
// trees), which validate and word their problems the same way.
#include "eventstore.h"
#include "util/ascii.h"

#include "source/timestamp.h"

#include <simdjson.h>

#include <algorithm>
#include <charconv>
#include <cstring>

namespace auditlens {

// ------------------------------------------------------------------------------------------
// Index pass: simdjson's DOM for records up to 1 MiB, else one on-demand walk per record.

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
                r.id = recordIdFrom(k, v.get_string().value_unsafe());
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

std::string recordIdFrom(std::string_view key, std::string_view value)
{
    if (key == "ID")
        return "v1:" + std::string(value);
    if (key == "AuditLogID")
        return "v2:" + std::string(value);
    return {};
}

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
                    r.id = recordIdFrom(k, s);
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
// Record parser

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
