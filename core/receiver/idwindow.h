// SPDX-License-Identifier: MIT
#pragma once

#include <QtGlobal>

#include <string_view>
#include <vector>

namespace auditlens::receiver {

/// A record ID (ID / AuditLogID) as a 128-bit hash: two independent 64-bit hashes, so a false
/// duplicate needs both to collide (about 1 in 10^20 for ten million IDs). {0,0}: no ID.
struct IdKey
{
    quint64 a = 0, b = 0;
    bool empty() const { return a == 0 && b == 0; }
    bool operator==(const IdKey &) const = default;
    static IdKey of(std::string_view id);
};

/// The IDs seen lately, for duplicate detection with bounded memory: two generations of at
/// most capacity/2 keys each in open-addressing tables; when the newer one is full the older
/// one is dropped. So the last capacity/2 to capacity IDs are always remembered (Logpush
/// retries a batch within minutes), at about 32 bytes an ID in the worst case.
class IdWindow
{
public:
    explicit IdWindow(size_t capacity = 10'000'000);
    /// True when the key is new (and remembers it); false for a duplicate.
    bool insert(IdKey key);
    bool contains(IdKey key) const;
    size_t size() const { return m_cur.used + m_old.used; }

private:
    struct Table
    {
        std::vector<IdKey> cells;
        size_t used = 0;
        bool contains(IdKey k) const;
        void insert(IdKey k); ///< k not present
    };
    Table m_cur, m_old;
    size_t m_half;
};

} // namespace auditlens::receiver
