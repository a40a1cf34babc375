// SPDX-License-Identifier: MIT
#include "diff.h"

namespace auditlens {

using J = nlohmann::ordered_json;

const char *changeKindName(Change::Kind k)
{
    switch (k) {
    case Change::Kind::Added: return "added";
    case Change::Kind::Removed: return "removed";
    case Change::Kind::Changed: return "changed";
    }
    return "?";
}

namespace {

std::string child(const std::string &path, const std::string &key) { return path.empty() ? key : path + "." + key; }

void diffInto(const J &a, const J &b, const std::string &path, std::vector<Change> &out)
{
    if (a.is_object() && b.is_object()) {
        for (auto it = a.begin(); it != a.end(); ++it) {
            auto f = b.find(it.key());
            if (f == b.end())
                out.push_back({Change::Kind::Removed, child(path, it.key()), it.value(), J()});
            else
                diffInto(it.value(), *f, child(path, it.key()), out);
        }
        for (auto it = b.begin(); it != b.end(); ++it)
            if (!a.contains(it.key()))
                out.push_back({Change::Kind::Added, child(path, it.key()), J(), it.value()});
        return;
    }
    if (a.is_array() && b.is_array()) {
        const size_t n = std::max(a.size(), b.size());
        for (size_t i = 0; i < n; ++i) {
            const std::string p = path + "[" + std::to_string(i) + "]";
            if (i >= a.size())
                out.push_back({Change::Kind::Added, p, J(), b[i]});
            else if (i >= b.size())
                out.push_back({Change::Kind::Removed, p, a[i], J()});
            else
                diffInto(a[i], b[i], p, out);
        }
        return;
    }
    if (a != b)
        out.push_back({Change::Kind::Changed, path, a, b});
}

} // namespace

std::vector<Change> diffJson(const J &before, const J &after)
{
    std::vector<Change> out;
    // null / missing on one side: everything on the other side is added / removed
    if (before.is_null() && after.is_object()) {
        for (auto it = after.begin(); it != after.end(); ++it)
            out.push_back({Change::Kind::Added, it.key(), J(), it.value()});
        return out;
    }
    if (after.is_null() && before.is_object()) {
        for (auto it = before.begin(); it != before.end(); ++it)
            out.push_back({Change::Kind::Removed, it.key(), it.value(), J()});
        return out;
    }
    diffInto(before, after, std::string(), out);
    return out;
}

std::vector<Change> recordChanges(const J &record, std::string &label)
{
    if (!record.is_object())
        return {};
    if (record.contains("OldValue") || record.contains("NewValue")) {
        label = "OldValue \u2192 NewValue";
        return diffJson(record.value("OldValue", J()), record.value("NewValue", J()));
    }
    // audit_logs_v2: request/response/value are not before/after; show the request's content
    // as what was asked and the value as the state after
    for (const char *k : {"ResourceValue", "ResourceRequest", "ResourceResponse"}) {
        if (record.contains(k) && !record[k].is_null()) {
            label = std::string("(none) \u2192 ") + k;
            return diffJson(J(), record[k]);
        }
    }
    label.clear();
    return {};
}

} // namespace auditlens
