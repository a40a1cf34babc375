// SPDX-License-Identifier: MIT
// Dotted paths in nested objects (setPath, findPath, erasePath, leafPaths).
#include "engine.h"

namespace auditlens::intake {

namespace {
Json::iterator findKey(Json &obj, std::string_view key)
{
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (it.key() == key)
            return it;
    return obj.end();
}
Json::const_iterator findKey(const Json &obj, std::string_view key)
{
    for (auto it = obj.begin(); it != obj.end(); ++it)
        if (it.key() == key)
            return it;
    return obj.end();
}
} // namespace

void setPath(Json &root, const std::string &path, Json value)
{
    Json *cur = &root;
    std::string_view rest(path);
    for (;;) {
        const size_t dot = rest.find('.');
        const std::string_view key = rest.substr(0, dot);
        if (!cur->is_object())
            *cur = Json::object();
        auto it = findKey(*cur, key);
        if (dot == std::string_view::npos) {
            if (it != cur->end()) {
                it.value() = std::move(value);
            } else {
                auto &obj = cur->get_ref<Json::object_t &>();
                if (obj.size() == obj.capacity())
                    obj.reserve(obj.size() * 2 + 8);
                cur->emplace(std::string(key), std::move(value));
            }
            return;
        }
        if (it == cur->end()) {
            // ordered_map's elements have a const key, so a reallocation copies whole subtrees:
            // keep room to grow
            auto &obj = cur->get_ref<Json::object_t &>();
            if (obj.size() == obj.capacity())
                obj.reserve(obj.size() * 2 + 8);
            Json child = Json::object();
            child.get_ref<Json::object_t &>().reserve(8);
            it = cur->emplace(std::string(key), std::move(child)).first;
        }
        cur = &it.value();
        rest = rest.substr(dot + 1);
    }
}

const Json *findPath(const Json &root, const std::string &path)
{
    const Json *cur = &root;
    std::string_view rest(path);
    for (;;) {
        if (!cur->is_object())
            return nullptr;
        const size_t dot = rest.find('.');
        auto it = findKey(*cur, rest.substr(0, dot));
        if (it == cur->end())
            return nullptr;
        cur = &*it;
        if (dot == std::string_view::npos)
            return cur;
        rest = rest.substr(dot + 1);
    }
}

bool erasePath(Json &root, const std::string &path)
{
    const size_t dot = path.find('.');
    if (!root.is_object())
        return false;
    if (dot == std::string::npos)
        return root.erase(path) > 0;
    auto it = root.find(path.substr(0, dot));
    if (it == root.end())
        return false;
    const bool removed = erasePath(*it, path.substr(dot + 1));
    if (removed && it->is_object() && it->empty())
        root.erase(it);
    return removed;
}

void leafPaths(const Json &v, const std::string &prefix, std::vector<std::string> &out)
{
    if (v.is_object() && !v.empty()) {
        for (auto it = v.begin(); it != v.end(); ++it)
            leafPaths(it.value(), prefix.empty() ? it.key() : prefix + "." + it.key(), out);
        return;
    }
    out.push_back(prefix);
}

} // namespace auditlens::intake
