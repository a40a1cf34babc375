// SPDX-License-Identifier: MIT
#include "idwindow.h"

#include <algorithm>
#include <functional>
#include <string_view>

namespace auditlens::receiver {

IdKey IdKey::of(std::string_view id)
{
    if (id.empty())
        return {};
    // FNV-1a with a final avalanche, and libstdc++'s murmur-based string hash: independent
    quint64 f = 0xcbf29ce484222325ULL;
    for (unsigned char ch : id)
        f = (f ^ ch) * 0x100000001b3ULL;
    f ^= f >> 33;
    f *= 0xff51afd7ed558ccdULL;
    f ^= f >> 33;
    IdKey k{std::hash<std::string_view>{}(id), f};
    if (k.empty())
        k.b = 1;
    return k;
}

IdWindow::IdWindow(size_t capacity) : m_half(std::max<size_t>(capacity / 2, 16)) {}

bool IdWindow::Table::contains(IdKey k) const
{
    if (cells.empty())
        return false;
    const size_t mask = cells.size() - 1;
    for (size_t i = size_t(k.a) & mask;; i = (i + 1) & mask) {
        if (cells[i] == k)
            return true;
        if (cells[i].empty())
            return false;
    }
}

void IdWindow::Table::insert(IdKey k)
{
    if ((used + 1) * 10 > cells.size() * 7) { // grow at 70 % load
        std::vector<IdKey> old = std::move(cells);
        cells.assign(std::max<size_t>(64, old.size() * 2), IdKey{});
        used = 0;
        for (const IdKey &o : old)
            if (!o.empty())
                insert(o);
    }
    const size_t mask = cells.size() - 1;
    size_t i = size_t(k.a) & mask;
    while (!cells[i].empty())
        i = (i + 1) & mask;
    cells[i] = k;
    ++used;
}

bool IdWindow::contains(IdKey key) const { return m_cur.contains(key) || m_old.contains(key); }

bool IdWindow::insert(IdKey key)
{
    if (key.empty() || contains(key))
        return key.empty();
    if (m_cur.used >= m_half) {
        m_old = std::move(m_cur);
        m_cur = Table{};
    }
    m_cur.insert(key);
    return true;
}

} // namespace auditlens::receiver
