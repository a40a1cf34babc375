// SPDX-License-Identifier: MIT
#include "flatfields.h"

#include "source/timestamp.h"

#include <simdjson.h>

#include <cstdlib>

namespace auditlens::query {

namespace od = simdjson::ondemand;

namespace {

std::string_view trimmed(std::string_view t)
{
    while (!t.empty() && (t.back() == ' ' || t.back() == '\n' || t.back() == '\r' || t.back() == '\t'))
        t.remove_suffix(1);
    return t;
}

class Flattener
{
public:
    explicit Flattener(std::vector<FlatField> &out) : m_out(out) {}
    size_t used() const { return m_used; }

    /// Adds the value v found under m_path; false on malformed JSON.
    bool value(od::value v)
    {
        od::json_type t;
        if (v.type().get(t))
            return false;
        switch (t) {
        case od::json_type::array: {
            od::array a;
            if (v.get_array().get(a))
                return false;
            ++m_arrays;
            for (auto el : a) {
                od::value e;
                if (el.get(e) || !value(e))
                    return false;
            }
            --m_arrays;
            return true;
        }
        case od::json_type::object: {
            od::object o;
            if (v.get_object().get(o))
                return false;
            if (m_keys) // (the root is no value; an empty key is a key)
                add(ValueType::Object, {}, 0, false, 0);
            return members(o);
        }
        case od::json_type::string: {
            std::string_view s;
            if (v.get_string().get(s))
                return false;
            const auto time = parseTimestampNs(s);
            add(ValueType::String, s, 0, bool(time), time.value_or(0));
            return true;
        }
        case od::json_type::number: {
            const std::string_view tok = trimmed(v.raw_json_token());
            m_number.assign(tok); // strtod needs the end
            const double d = std::strtod(m_number.c_str(), nullptr); // ±HUGE_VAL beyond double, as the store
            const auto time = epochToNs(d);
            add(ValueType::Number, tok, d, bool(time), time.value_or(0));
            return true;
        }
        case od::json_type::boolean: {
            bool b = false;
            if (v.get_bool().get(b))
                return false;
            add(ValueType::Bool, b ? "true" : "false", b ? 1 : 0, false, 0);
            return true;
        }
        case od::json_type::null: return true;
        default: return false;
        }
    }

private:
    bool members(od::object &o)
    {
        const size_t length = m_path.size();
        for (auto field : o) {
            std::string_view key;
            od::value fv;
            if (field.unescaped_key().get(key) || field.value().get(fv))
                return false;
            if (m_keys)
                m_path += '.';
            m_path.append(key);
            ++m_keys;
            const bool ok = value(fv);
            --m_keys;
            m_path.resize(length);
            if (!ok)
                return false;
        }
        return true;
    }

    void add(ValueType type, std::string_view text, double number, bool hasTime, int64_t time)
    {
        // the entries of the previous record are reused: their strings keep their buffers
        if (m_used == m_out.size())
            m_out.emplace_back();
        FlatField &f = m_out[m_used++];
        f.path.assign(m_path);
        f.type = type;
        f.text.assign(text);
        f.number = number;
        f.time = time;
        f.hasTime = hasTime;
        f.inArray = m_arrays > 0;
    }

    std::vector<FlatField> &m_out;
    std::string m_path, m_number;
    size_t m_used = 0; ///< entries of m_out written for this record
    size_t m_keys = 0; ///< how many keys m_path holds
    size_t m_arrays = 0; ///< how many arrays the value being read is in
};

} // namespace

bool flattenFields(std::string_view raw, size_t capacity, std::vector<FlatField> &out)
{
    thread_local od::parser parser;
    od::document doc;
    od::value root;
    if (parser.iterate(raw.data(), raw.size(), capacity).get(doc) || doc.get_value().get(root)) {
        out.clear();
        return false;
    }
    Flattener f(out);
    bool ok = false;
    try {
        ok = f.value(root);
    } catch (...) {
        ok = false; // no exception leaves the engine (simdjson's are off; allocation may throw)
    }
    out.resize(f.used());
    return ok;
}

} // namespace auditlens::query
