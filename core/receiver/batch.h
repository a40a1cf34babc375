// SPDX-License-Identifier: MIT
#pragma once

#include "idwindow.h"

#include "source/reader.h"
#include "store/eventstore.h"

#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::receiver {

/// Calls fn(pos, line, indexed) for each non-blank line of `text` (trailing CR and spaces
/// left out), checked by the index pass in place: the padding is appended here.
template<typename Fn>
void indexLines(std::string &text, Fn &&fn)
{
    const size_t len = text.size();
    text.append(kRecordPadding, '\0');
    const int maxDepth = ReaderLimits{}.maxDepth;
    size_t start = 0;
    while (start < len) {
        size_t nl = text.find('\n', start);
        if (nl == std::string::npos || nl > len)
            nl = len;
        std::string_view line(text.data() + start, nl - start);
        while (!line.empty() && (line.back() == '\r' || line.back() == ' '))
            line.remove_suffix(1);
        const size_t pos = start;
        start = nl + 1;
        if (!line.empty())
            fn(pos, line, indexRecord(line, text.size() - pos, maxDepth));
    }
}

/// The memory the batches being decoded may hold together (decompressed text and the index
/// of its records). Thread-safe.
class DecodeBudget
{
public:
    explicit DecodeBudget(int64_t limit) : m_limit(limit) {}
    bool reserve(int64_t n)
    {
        int64_t used = m_used.load();
        do {
            if (used + n > m_limit)
                return false;
        } while (!m_used.compare_exchange_weak(used, used + n));
        return true;
    }
    void release(int64_t n) { m_used -= n; }
    int64_t limit() const { return m_limit; }
    int64_t used() const { return m_used.load(); }

private:
    const int64_t m_limit;
    std::atomic<int64_t> m_used{0};
};

/// How a job may frame its records (Logpush output_options); all empty: find out from the
/// content (NDJSON, a JSON array, JSON objects one after another with delimiters).
struct Framing
{
    std::string batchPrefix, batchSuffix, recordPrefix, recordSuffix, recordDelimiter;
    bool empty() const
    {
        return batchPrefix.empty() && batchSuffix.empty() && recordPrefix.empty() && recordSuffix.empty() && recordDelimiter.empty();
    }
};

struct DecodeOptions
{
    int64_t maxDecompressedBytes = 2LL << 30;
    Framing framing;
};

/// One request body, decompressed and split into records, each checked by the index pass.
struct DecodedBatch
{
    DecodedBatch() = default;
    DecodedBatch(const DecodedBatch &) = delete;
    DecodedBatch &operator=(const DecodedBatch &) = delete;
    ~DecodedBatch() { releaseMemory(); }
    void releaseMemory();

    // a final answer (test uploads, limits), or the records to journal
    int status = 0;
    std::string reason, message;
    bool test = false, corrupt = false;
    std::string gzError;
    std::string text; ///< the decompressed body, blank lines left out (records point into it)
    struct Line
    {
        size_t pos, len;
        IdKey id;
        IndexedRecord ix; ///< kept for the store, which then need not index the line again
    };
    std::vector<Line> lines;
    /// No record could be split out in any framing: `text` is to be journaled as it is.
    bool unsplit = false;
    std::string framing; ///< how it was split: "ndjson", "json array", "json objects", "custom"

    DecodeBudget *budget = nullptr;
    int64_t held = 0; ///< reserved from the budget
};

/// Decompresses (gzip sniffed by its magic bytes, several members allowed) with the
/// per-request limit checked as the output grows and the memory reserved from the budget as
/// it is kept; splits the records; recognises Logpush's test uploads.
void decodeBatch(std::string raw, const DecodeOptions &options, DecodeBudget &budget, DecodedBatch &out);

/// Logpush's destination test uploads: {"content":"tests"}, {"content":"test","filename":"test.txt"}, bare "test".
bool isTestUpload(std::string_view body);

} // namespace auditlens::receiver
