// SPDX-License-Identifier: MIT
#include "textsearch.h"
#include "util/ascii.h"

#include <algorithm>

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace auditlens {

namespace {

constexpr size_t kNone = SIZE_MAX;

bool equalsAt(const char *p, std::string_view needle)
{
    for (size_t i = 0; i < needle.size(); ++i)
        if (asciiLower(p[i]) != needle[i])
            return false;
    return true;
}

// A match is looked for by testing, 32 start positions at a time, two bytes of the
// needle: the two rarest in audit-log text (not its first and last letters: in "example" both
// are 'e', as common as can be). Comparing with bit 0x20 set maps both cases of a letter to one
// value, so no match is missed; the false candidates it lets through (e.g. '@' and '`') fail
// the full comparison, done right there for every candidate of a block.
struct Probe
{
    std::string_view needle; ///< lower case
    size_t p1, p2;           ///< offsets of the two probe bytes
    unsigned char b1, b2;    ///< their values with bit 0x20 set
};

Probe makeProbe(std::string_view needle)
{
    // commonest first: JSON punctuation, digits and hex, then English letters by frequency
    static const std::string_view kCommon = "\":,0123456789abcdef{}-etaoinsrlhu_.mpgwyvkxjqz";
    const auto rank = [](unsigned char c) {
        const size_t at = kCommon.find(char(c));
        return at == std::string_view::npos ? kCommon.size() : at; // higher: rarer
    };
    Probe p{needle, 0, needle.size() - 1, 0, 0};
    for (size_t i = 0; i < needle.size(); ++i)
        if (rank(static_cast<unsigned char>(needle[i])) > rank(static_cast<unsigned char>(needle[p.p1])))
            p.p1 = i;
    p.p2 = p.p1 == needle.size() - 1 ? 0 : needle.size() - 1;
    for (size_t i = 0; i < needle.size(); ++i)
        if (i != p.p1 && rank(static_cast<unsigned char>(needle[i])) > rank(static_cast<unsigned char>(needle[p.p2])))
            p.p2 = i;
    p.b1 = static_cast<unsigned char>(static_cast<unsigned char>(needle[p.p1]) | 0x20);
    p.b2 = static_cast<unsigned char>(static_cast<unsigned char>(needle[p.p2]) | 0x20);
    return p;
}

/// The first start position in [from, last] where the needle matches, or kNone.
size_t findScalar(const char *base, size_t from, size_t last, const Probe &p)
{
    for (size_t i = from; i <= last; ++i)
        if ((static_cast<unsigned char>(base[i + p.p1]) | 0x20) == p.b1 && (static_cast<unsigned char>(base[i + p.p2]) | 0x20) == p.b2
            && equalsAt(base + i, p.needle))
            return i;
    return kNone;
}

#if defined(__x86_64__)
__attribute__((target("avx2"))) size_t findAvx2(const char *base, size_t from, size_t last, const Probe &p)
{
    const __m256i v1 = _mm256_set1_epi8(static_cast<char>(p.b1));
    const __m256i v2 = _mm256_set1_epi8(static_cast<char>(p.b2));
    const __m256i bit = _mm256_set1_epi8(0x20);
    size_t i = from;
    for (; i + 32 <= last + 1; i += 32) { // starts i..i+31 are all <= last: the loads stay inside
        const __m256i a = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(base + i + p.p1)), bit);
        const __m256i b = _mm256_or_si256(_mm256_loadu_si256(reinterpret_cast<const __m256i *>(base + i + p.p2)), bit);
        unsigned m = unsigned(_mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(a, v1), _mm256_cmpeq_epi8(b, v2))));
        while (m) {
            const size_t at = i + size_t(__builtin_ctz(m));
            if (equalsAt(base + at, p.needle))
                return at;
            m &= m - 1;
        }
    }
    return findScalar(base, i, last, p);
}

#endif

using FindFn = size_t (*)(const char *, size_t, size_t, const Probe &);

FindFn pickFind()
{
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2"))
        return findAvx2;
    return findScalar;
#else
    return findScalar;
#endif
}

} // namespace

void markRecordsContaining(std::string_view bytes, uint64_t origin, const uint32_t *pos, const uint32_t *len, size_t n,
                           std::string_view needle, uint8_t *hit)
{
    static const FindFn find = pickFind();
    const size_t k = needle.size();
    if (k == 0 || n == 0 || bytes.size() < k)
        return;
    const char *base = bytes.data();
    const size_t last = bytes.size() - k;
    const Probe probe = makeProbe(needle);
    // positions relative to bytes[0]
    const auto begin = [&](size_t r) { return size_t(pos[r] - origin); };
    const auto end = [&](size_t r) { return size_t(pos[r] - origin) + len[r]; };
    size_t rec = 0;
    size_t from = begin(0);
    while (from <= last) {
        const size_t c = find(base, from, last, probe);
        if (c == kNone)
            return;
        while (rec < n && end(rec) <= c)
            ++rec;
        if (rec == n)
            return;
        if (c >= begin(rec) && c + k <= end(rec))
            hit[rec] = 1;
        // the scan goes on from the next byte rather than the next record: jumping over the
        // rest of a record would cost a memory stall per match (the hardware prefetcher reads
        // ahead of a steady scan only), more than reading the rest
        from = c + 1;
    }
}

} // namespace auditlens
