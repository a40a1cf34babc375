// SPDX-License-Identifier: MIT
#include "batch.h"

#include "util/ascii.h"

#include "source/bytesource.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstring>

namespace auditlens::receiver {

namespace {

/// What one record costs besides its text: its entry in DecodedBatch::lines and the index
/// pass's strings (a rough upper bound).
constexpr int64_t kRecordCost = int64_t(sizeof(DecodedBatch::Line)) + 128;
constexpr int64_t kReserveStep = 4 << 20;

/// Reserves from the budget until `held` covers `need`. False when the budget cannot.
bool cover(DecodedBatch &b, int64_t need)
{
    while (b.held < need) {
        const int64_t step = std::max<int64_t>(kReserveStep, need - b.held);
        if (!b.budget->reserve(step))
            return false;
        b.held += step;
    }
    return true;
}

void overBudget(DecodedBatch &b, int64_t need)
{
    b.releaseMemory();
    if (need > b.budget->limit()) {
        b.status = 413;
        b.reason = "too large for memory";
        b.message = "the decompressed batch needs more memory than the receiver's budget of " + std::to_string(b.budget->limit())
                    + " bytes (lower the job's max_upload_bytes / max_upload_records, or raise --max-memory)";
    } else {
        b.status = 503;
        b.reason = "busy";
        b.message = "the receiver's memory budget for batches is taken by other requests; retry later";
    }
}

bool isBlank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

size_t skipBlanks(std::string_view s, size_t i)
{
    while (i < s.size() && isBlank(s[i]))
        ++i;
    return i;
}

/// The end of the JSON value starting at s[i] (objects and arrays by bracket depth, strings
/// with their escapes, other values up to a delimiter); npos when it does not end. The value
/// is not validated here: the index pass checks each record.
size_t valueEnd(std::string_view s, size_t i)
{
    if (i >= s.size())
        return std::string_view::npos;
    if (s[i] != '{' && s[i] != '[' && s[i] != '"') {
        while (i < s.size() && !isBlank(s[i]) && s[i] != ',' && s[i] != ']' && s[i] != '}')
            ++i;
        return i;
    }
    size_t depth = 0;
    bool inString = false;
    for (; i < s.size(); ++i) {
        const char c = s[i];
        if (inString) {
            if (c == '\\')
                ++i;
            else if (c == '"') {
                inString = false;
                if (depth == 0)
                    return i + 1;
            }
        } else if (c == '"') {
            inString = true;
        } else if (c == '{' || c == '[') {
            ++depth;
        } else if (c == '}' || c == ']') {
            if (depth == 0)
                return std::string_view::npos;
            if (--depth == 0)
                return i + 1;
        }
    }
    return std::string_view::npos;
}

using Spans = std::vector<std::pair<size_t, size_t>>; // (pos, len) in the text

/// A JSON array of records (batch_prefix "[", record_delimiter ",", batch_suffix "]").
bool splitArray(std::string_view s, size_t from, size_t to, Spans &out)
{
    s = s.substr(0, to);
    size_t i = skipBlanks(s, from);
    if (i >= s.size() || s[i] != '[')
        return false;
    i = skipBlanks(s, i + 1);
    if (i < s.size() && s[i] == ']')
        return skipBlanks(s, i + 1) == s.size();
    for (;;) {
        const size_t e = valueEnd(s, i);
        if (e == std::string_view::npos)
            return false;
        out.emplace_back(i, e - i);
        i = skipBlanks(s, e);
        if (i < s.size() && s[i] == ',') {
            i = skipBlanks(s, i + 1);
            continue;
        }
        if (i < s.size() && s[i] == ']')
            return skipBlanks(s, i + 1) == s.size();
        return false;
    }
}

/// JSON objects one after another on a line, with blanks, commas or `delimiter` between them.
bool splitObjects(std::string_view s, size_t from, size_t to, const std::string &delimiter, Spans &out)
{
    s = s.substr(0, to);
    const size_t before = out.size();
    size_t i = from;
    for (;;) {
        for (;;) {
            i = skipBlanks(s, i);
            if (i < s.size() && s[i] == ',')
                ++i;
            else if (!delimiter.empty() && s.substr(i, delimiter.size()) == delimiter)
                i += delimiter.size();
            else
                break;
        }
        if (i >= s.size())
            break;
        if (s[i] != '{')
            return out.resize(before), false;
        const size_t e = valueEnd(s, i);
        if (e == std::string_view::npos)
            return out.resize(before), false;
        out.emplace_back(i, e - i);
        i = e;
    }
    if (out.size() - before < 2)
        return out.resize(before), false;
    return true;
}

/// The job's own framing: batch prefix and suffix around records separated by the record
/// delimiter, or ended by the record suffix.
void splitCustom(std::string_view s, const Framing &f, Spans &out)
{
    size_t from = skipBlanks(s, 0), to = s.size();
    while (to > from && isBlank(s[to - 1]))
        --to;
    if (!f.batchPrefix.empty() && s.substr(from, f.batchPrefix.size()) == f.batchPrefix)
        from += f.batchPrefix.size();
    if (!f.batchSuffix.empty() && to - from >= f.batchSuffix.size() && s.substr(to - f.batchSuffix.size(), f.batchSuffix.size()) == f.batchSuffix)
        to -= f.batchSuffix.size();
    const std::string &sep = !f.recordDelimiter.empty() ? f.recordDelimiter : !f.recordSuffix.empty() ? f.recordSuffix : std::string("\n");
    const bool sepEnds = f.recordDelimiter.empty(); // a suffix belongs to the record before it
    size_t i = from;
    while (i < to) {
        size_t e = s.substr(0, to).find(sep, i);
        size_t next = e == std::string_view::npos ? to : e + sep.size();
        size_t end = e == std::string_view::npos ? to : sepEnds ? e + sep.size() : e;
        size_t a = skipBlanks(s, i), b = std::min(end, to);
        while (b > a && isBlank(s[b - 1]))
            --b;
        if (b > a)
            out.emplace_back(a, b - a);
        i = next;
    }
}

} // namespace

void DecodedBatch::releaseMemory()
{
    std::string().swap(text);
    std::vector<Line>().swap(lines);
    if (budget && held)
        budget->release(held);
    held = 0;
}

bool isTestUpload(std::string_view body)
{
    if (body.size() > 256)
        return false;
    const std::string_view t = trimSpace(body);
    if (t == "test" || t == "tests")
        return true;
    const auto j = nlohmann::json::parse(t, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("content"))
        return false;
    for (auto it = j.begin(); it != j.end(); ++it)
        if (it.key() != "content" && it.key() != "filename")
            return false;
    const auto &c = j["content"];
    return c.is_string() && (c.get<std::string>() == "test" || c.get<std::string>() == "tests");
}

void decodeBatch(std::string raw, const DecodeOptions &options, DecodeBudget &budget, DecodedBatch &b)
{
    b.budget = &budget;
    const bool gzip = raw.size() >= 2 && static_cast<unsigned char>(raw[0]) == 0x1f && static_cast<unsigned char>(raw[1]) == 0x8b;
    std::string error;
    const SourceSpec spec = SourceSpec::memory("body", std::move(raw)); // the source reads from it
    std::unique_ptr<ByteSource> src = openByteSource(spec, error);
    if (gzip) {
        bool compressed = false;
        src = maybeDecompress(std::move(src), compressed);
    }
    // streamed: the limit is checked as the output grows, blank lines are dropped as they
    // come, and what is kept is reserved from the budget before it is allocated; a batch the
    // budget cannot hold is still read to its end (without keeping it) to tell a batch over
    // the limit (413) from one that has to wait for memory (503)
    std::string &text = b.text;
    int64_t total = 0, wanted = 0; // decompressed bytes; bytes it would keep
    bool keeping = true;
    size_t lineStart = 0;
    bool lineBlank = true;
    std::vector<char> buf(1 << 16);
    for (;;) {
        const ptrdiff_t got = src->read(buf.data(), buf.size());
        if (got < 0) {
            b.corrupt = true;
            b.gzError = src->error();
            break;
        }
        if (got == 0)
            break;
        total += got;
        if (total > options.maxDecompressedBytes) {
            b.releaseMemory();
            b.status = 413;
            b.reason = "too large decompressed";
            b.message = std::string(gzip ? "the decompressed body" : "the body") + " is larger than the limit of "
                        + std::to_string(options.maxDecompressedBytes) + " bytes";
            return;
        }
        const char *p = buf.data();
        size_t n = size_t(got);
        while (n > 0) {
            const char *nl = static_cast<const char *>(std::memchr(p, '\n', n));
            const size_t seg = nl ? size_t(nl - p) + 1 : n;
            const bool segBlank = std::all_of(p, p + seg, isBlank);
            if (keeping) {
                if (text.size() + seg > text.capacity()) {
                    const size_t cap = std::max({text.size() + seg, text.capacity() + text.capacity() / 2, size_t(1) << 20});
                    if (!cover(b, int64_t(cap))) {
                        keeping = false;
                        wanted = int64_t(text.size());
                        b.releaseMemory();
                    } else {
                        text.reserve(cap);
                    }
                }
            }
            if (keeping)
                text.append(p, seg);
            else
                wanted += int64_t(seg);
            lineBlank = lineBlank && segBlank;
            if (nl) {
                if (lineBlank) { // a blank line: nothing to keep
                    if (keeping)
                        text.resize(lineStart);
                    else
                        wanted -= int64_t(seg); // roughly: the rest of the blank line
                }
                lineStart = text.size();
                lineBlank = true;
            }
            p += seg;
            n -= seg;
        }
    }
    if (!keeping)
        return overBudget(b, wanted);
    if (b.corrupt) // keep the complete lines decoded before the damage
        text.resize(lineStart);
    if (!b.corrupt && isTestUpload(text)) {
        b.releaseMemory();
        b.test = true;
        b.status = 200;
        b.message = "test upload received (not stored)";
        return;
    }
    // the records, in whichever framing the job uses
    const size_t len = text.size();
    Spans spans;
    const Framing &f = options.framing;
    const size_t first = skipBlanks(text, 0);
    if (!f.empty()) {
        splitCustom(std::string_view(text.data(), len), f, spans);
        b.framing = "custom";
    } else if (first < len && text[first] == '[' && splitArray(std::string_view(text.data(), len), first, len, spans)) {
        b.framing = "json array";
    } else {
        b.framing = "ndjson";
        size_t start = 0;
        while (start < len) {
            size_t nl = text.find('\n', start);
            if (nl == std::string::npos)
                nl = len;
            size_t a = skipBlanks(std::string_view(text.data(), nl), start), e = nl;
            while (e > a && isBlank(text[e - 1]))
                --e;
            if (e > a)
                spans.emplace_back(a, e - a);
            start = nl + 1;
        }
    }
    // a record split out of a pretty-printed array has line ends inside: outside strings they
    // are blanks, and inside strings JSON has none, so they become spaces (one line a record)
    for (const auto &[pos, n] : spans)
        std::replace_if(text.begin() + ptrdiff_t(pos), text.begin() + ptrdiff_t(pos + n), [](char c) { return c == '\n' || c == '\r'; }, ' ');
    const int64_t need = int64_t(text.capacity()) + int64_t(kRecordPadding) + int64_t(spans.size()) * kRecordCost;
    if (!cover(b, need))
        return overBudget(b, need);
    text.append(kRecordPadding, '\0');
    const int maxDepth = ReaderLimits{}.maxDepth;
    bool anyRecord = false;
    b.lines.reserve(spans.size());
    const auto add = [&](size_t pos, size_t n) {
        IndexedRecord ix = indexRecord(std::string_view(text.data() + pos, n), text.size() - pos, maxDepth);
        anyRecord = anyRecord || ix.ok;
        const IdKey id = ix.ok ? IdKey::of(ix.id) : IdKey{};
        b.lines.push_back({pos, n, id, std::move(ix)});
    };
    for (const auto &[pos, n] : spans) {
        if (b.framing == "ndjson") {
            // one line may hold several records (a record delimiter other than a line end)
            IndexedRecord ix = indexRecord(std::string_view(text.data() + pos, n), text.size() - pos, maxDepth);
            Spans parts;
            if (!ix.ok && splitObjects(std::string_view(text.data(), pos + n), pos, pos + n, f.recordDelimiter, parts)) {
                if (!cover(b, need + int64_t(b.lines.size() + parts.size()) * kRecordCost))
                    return overBudget(b, need + int64_t(b.lines.size() + parts.size()) * kRecordCost);
                b.framing = "json objects";
                for (const auto &[pp, pn] : parts)
                    add(pp, pn);
                continue;
            }
            anyRecord = anyRecord || ix.ok;
            const IdKey id = ix.ok ? IdKey::of(ix.id) : IdKey{};
            b.lines.push_back({pos, n, id, std::move(ix)});
        } else {
            add(pos, n);
        }
    }
    if (!anyRecord && len > 0) {
        // no framing gives a single record: the batch is journaled as it came
        b.unsplit = true;
        b.lines.clear();
        text.resize(len);
    }
}

} // namespace auditlens::receiver
