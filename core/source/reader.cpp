// SPDX-License-Identifier: MIT
// The readers: a source's bytes (decompressed) split into records, whatever their layout.
// Byte-level helpers are in scan.*, API envelopes and Sekoia test files in envelope.*.
#include "reader.h"

#include "bytesource.h"
#include "scan.h"

#include <algorithm>
#include <cstring>

namespace auditlens {

const char *formatName(InputFormat f)
{
    switch (f) {
    case InputFormat::Empty: return "empty";
    case InputFormat::Ndjson: return "NDJSON";
    case InputFormat::JsonArray: return "JSON array";
    case InputFormat::Concatenated: return "concatenated JSON objects";
    case InputFormat::ApiEnvelope: return "Cloudflare API response";
    case InputFormat::SekoiaTest: return "Sekoia intake test";
    case InputFormat::Unknown: return "not JSON";
    }
    return "?";
}

SourceSpec SourceSpec::file(const std::string &path)
{
    SourceSpec s;
    s.kind = Kind::File;
    s.path = path;
    s.label = path;
    return s;
}

SourceSpec SourceSpec::stdinSource()
{
    SourceSpec s;
    s.kind = Kind::Stdin;
    s.label = "-";
    return s;
}

SourceSpec SourceSpec::memory(std::string label, std::string bytes)
{
    SourceSpec s;
    s.kind = Kind::Memory;
    s.label = std::move(label);
    s.bytes = std::move(bytes);
    return s;
}

namespace {

using namespace scan;

/// Splits a decompressed stream into records. Holds the bytes not yet handed over (`carry`,
/// which always starts at an item: a record, a line, stray text); when the bytes run out inside
/// that item, its scan resumes where it stopped with the next chunk (m_resume).
class Splitter
{
public:
    Splitter(const ReaderLimits &limits, const std::string &label, const SourceReader::BlockSink &blocks,
             const SourceReader::DiagnosticSink &diags, ReadSummary &summary)
        : m_limits(limits), m_label(label), m_blocks(blocks), m_diags(diags), m_summary(summary)
    {
    }

    void setFileBacked(bool b) { m_fileBacked = b; }

    /// Room for up to n bytes at the end of the carry, for the next chunk to be read straight
    /// into (no copy of every byte from a read buffer); then filled(got, eof).
    char *room(size_t n)
    {
        m_filled = m_carry.size();
        m_carry.reserve(m_filled + n + kRecordPadding); // the padding a whole block hands over
        m_carry.resize(m_filled + n);
        return m_carry.data() + m_filled;
    }

    /// The first `got` bytes of room() hold the next chunk; `eof` marks the end of the stream.
    void filled(size_t got, bool eof)
    {
        m_carry.resize(m_filled + got);
        if (!m_sniffed) {
            if (m_carry.size() < 65536 && !eof)
                return; // sniff on a reasonable prefix
            sniff();
            if (m_mode == InputFormat::Empty && !eof) {
                m_sniffed = false; // only whitespace so far: let it go, counting its lines
                dropBlankPrefix();
                return;
            }
        }
        process(eof);
    }

    InputFormat format() const { return m_reported; }

private:
    /// While sniffing, the carry holds only white space and BOMs: lets them go (counting their
    /// lines) but for a last CR whose LF may follow or the start of a cut BOM, so that an input
    /// of nothing but blank lines is read in bounded memory.
    void dropBlankPrefix()
    {
        const char *d = m_carry.data();
        const size_t n = m_carry.size();
        size_t drop = std::min(m_blankEnd, n); // sniff() found only blanks before it
        if (drop > 0 && d[drop - 1] == '\r')
            --drop;
        m_line += uint64_t(std::count(d, d + drop, '\n'));
        if (std::memchr(d, '\r', drop)) // lone CRs (a CR before `drop` has its next byte in the carry)
            for (size_t k = 0; k < drop; ++k)
                m_line += d[k] == '\r' && d[k + 1] != '\n';
        m_carry.erase(0, drop);
        m_carryOffset += drop;
    }

    void sniff()
    {
        m_sniffed = true;
        size_t i = 0;
        const size_t n = m_carry.size();
        while (i < n && (isWs(m_carry[i]) || isBom(m_carry.data(), i, n)))
            i += isWs(m_carry[i]) ? 1 : 3;
        m_blankEnd = i;
        if (i >= n || isBomPrefix(m_carry.data(), i, n)) {
            m_mode = InputFormat::Empty;
            return;
        }
        const char c = m_carry[i];
        if (c == '[') {
            m_mode = InputFormat::JsonArray;
        } else if (c == '{') {
            // NDJSON when the first record closes on its own line.
            ValueScanner scan;
            bool closedOnLine = false;
            for (size_t k = i; k < m_carry.size() && m_carry[k] != '\n' && m_carry[k] != '\r'; ++k)
                if (scan.feed(m_carry[k])) {
                    closedOnLine = true;
                    break;
                }
            m_mode = closedOnLine ? InputFormat::Ndjson : InputFormat::Concatenated;
        } else {
            m_mode = InputFormat::Ndjson; // not JSON at the start: go line by line, report each
        }
        // An envelope or a Sekoia test file announces itself in the top-level keys of its first
        // object (of the first array element for a JSON array).
        const std::vector<std::string> keys = firstObjectKeys(std::string_view(m_carry).substr(i));
        auto has = [&](const char *k) { return std::find(keys.begin(), keys.end(), k) != keys.end(); };
        if ((has("result") && (has("success") || has("errors") || has("result_info"))) || has("input"))
            m_expand = true;
        m_reported = m_mode;
    }

    void diag(uint64_t line, uint64_t offset, std::string msg, Diagnostic::Severity sev = Diagnostic::Severity::Error)
    {
        if (sev == Diagnostic::Severity::Error)
            ++m_summary.errors;
        m_diags(Diagnostic{sev, m_label, line, offset, std::move(msg)});
    }

    struct Pending
    {
        size_t pos, len;
        uint64_t line;
    };

    void process(bool eof)
    {
        std::vector<Pending> found;
        size_t consumed = 0;
        if (m_mode == InputFormat::Ndjson)
            consumed = scanLines(eof, found);
        else if (m_mode != InputFormat::Empty)
            consumed = scanValues(eof, found);
        else
            consumed = m_carry.size();
        handOver(found, consumed);
    }

    void handOver(const std::vector<Pending> &found, size_t consumed)
    {
        // hand over in blocks of about blockBytes (the first read may hold more: sniffing)
        size_t first = 0, erased = 0;
        while (!m_expand && found.size() - first > 1) {
            size_t last = first;
            const size_t start = found[first].pos;
            while (last + 1 < found.size() && found[last + 1].pos + found[last + 1].len - start <= m_limits.blockBytes)
                ++last;
            if (last + 1 >= found.size())
                break;
            const size_t cut = found[last + 1].pos;
            std::vector<Pending> part(found.begin() + long(first), found.begin() + long(last) + 1);
            for (Pending &p : part)
                p.pos -= erased;
            emitOne(part, cut - erased);
            erased = cut;
            first = last + 1;
        }
        std::vector<Pending> rest(found.begin() + long(first), found.end());
        for (Pending &p : rest)
            p.pos -= erased;
        emitOne(rest, consumed - erased);
    }

    /// Hands over `found` (positions relative to m_carry) and drops the first `consumed` bytes.
    void emitOne(std::vector<Pending> found, size_t consumed)
    {
        size_t drop = consumed; // what is still to be erased from the carry's front
        if (!found.empty()) {
            if (m_expand) {
                emitExpanded(found);
            } else {
                Block b;
                std::shared_ptr<std::string> buf;
                if (consumed >= m_carry.size() / 2) {
                    // most of the carry: hand the carry itself over, keep a copy of its tail
                    std::string tail(m_carry, consumed);
                    buf = std::make_shared<std::string>(std::move(m_carry));
                    buf->resize(consumed);
                    m_carry = std::move(tail);
                    drop = 0;
                } else {
                    buf = std::make_shared<std::string>();
                    buf->reserve(consumed + kRecordPadding);
                    buf->assign(m_carry.data(), consumed);
                }
                b.dataLen = buf->size();
                buf->append(kRecordPadding, '\0');
                b.data = std::move(buf);
                b.streamOffset = m_carryOffset;
                b.fileBacked = m_fileBacked;
                b.spans.reserve(found.size());
                for (const Pending &p : found)
                    b.spans.push_back(RecordSpan{uint32_t(p.pos), uint32_t(p.len), p.line});
                m_summary.records += found.size();
                m_blocks(std::move(b));
            }
        }
        m_carry.erase(0, drop);
        m_carryOffset += consumed;
    }

    void emitExpanded(const std::vector<Pending> &found)
    {
        Block b;
        auto buf = std::make_shared<std::string>();
        for (const Pending &p : found) {
            const std::string doc = m_carry.substr(p.pos, p.len);
            std::vector<std::string> recs;
            std::string why;
            InputFormat kind = InputFormat::Unknown;
            if (expandEnvelope(doc, recs, why))
                kind = InputFormat::ApiEnvelope;
            else if (expandSekoiaTest(doc, recs, why))
                kind = InputFormat::SekoiaTest;
            if (kind == InputFormat::Unknown) {
                recs.clear();
                recs.push_back(doc);
            } else {
                m_reported = kind;
                if (!why.empty())
                    diag(p.line, m_carryOffset + p.pos, why, Diagnostic::Severity::Warning);
            }
            for (const std::string &r : recs) {
                const size_t pos = buf->size();
                buf->append(r);
                buf->push_back('\n');
                b.spans.push_back(RecordSpan{uint32_t(pos), uint32_t(r.size()), p.line});
            }
        }
        b.dataLen = buf->size();
        buf->append(kRecordPadding, '\0');
        b.data = std::move(buf);
        b.streamOffset = m_carryOffset;
        b.fileBacked = false;
        m_summary.records += b.spans.size();
        m_blocks(std::move(b));
    }

    /// NDJSON: one record per non-blank line (LF, CRLF or CR line ends).
    size_t scanLines(bool eof, std::vector<Pending> &found)
    {
        const char *d = m_carry.data();
        const size_t n = m_carry.size();
        const bool more = !eof;
        size_t i = 0;
        Resume resume = m_resume;
        m_resume.valid = false;
        while (i < n) {
            if (m_skipping) {
                const size_t e = findLineEnd(d, i, n, more);
                if (e >= n)
                    return more && d[n - 1] == '\r' ? n - 1 : n; // a last CR is decided by the next byte
                m_skipping = false;
                i = e + 1;
                ++m_line;
                continue;
            }
            // blank lines, white space and BOMs before a record go as they come
            while (i < n) {
                const char c = d[i];
                if (c == ' ' || c == '\t') {
                    ++i;
                } else if (c == '\n' || c == '\r') {
                    if (c == '\r' && i + 1 == n && more)
                        return i; // CRLF or a lone CR: the next byte says
                    if (isLineEnd(d, i, n, more))
                        ++m_line;
                    ++i;
                } else if (isBom(d, i, n)) {
                    i += 3;
                } else if (isBomPrefix(d, i, n) && more) {
                    return i;
                } else {
                    break;
                }
            }
            if (i >= n)
                return n;
            // a line cut by the end of the bytes read so far was searched up to its last byte
            const size_t from = resume.valid && i == 0 ? std::min(resume.scanned, n) : i;
            resume.valid = false;
            const size_t e = findLineEnd(d, from, n, more);
            if (e >= n && more) {
                if (n - i > m_limits.maxRecordBytes) {
                    diag(m_line, m_carryOffset + i,
                         "record is longer than the limit of " + std::to_string(m_limits.maxRecordBytes)
                             + " bytes; skipped up to the end of its line");
                    m_skipping = true;
                    return d[n - 1] == '\r' ? n - 1 : n;
                }
                // the carry will start at this line: the next chunk resumes at its last byte read
                m_resume = Resume{true, n - 1 - i, m_line, {}, false};
                return i;
            }
            size_t b = std::min(e, n);
            while (b > i && isWs(d[b - 1]))
                --b;
            if (b - i > m_limits.maxRecordBytes)
                diag(m_line, m_carryOffset + i,
                     "record is longer than the limit of " + std::to_string(m_limits.maxRecordBytes) + " bytes; skipped");
            else
                found.push_back({i, b - i, m_line});
            ++m_line;
            i = e < n ? e + 1 : n;
        }
        return n;
    }

    /// Inside an array nested too deep: moves i up to its end, or up to a line that starts with
    /// '{' (a record after an array cut short), or to n.
    void deepSkip(const char *d, size_t &i, size_t n, bool more, uint64_t &line)
    {
        for (; i < n; ++i) {
            if ((d[i] == '\n' || d[i] == '\r') && i + 1 == n && more)
                return; // what follows the line end decides: read on from here
            if (isLineEnd(d, i, n, more)) {
                ++line;
                if (i + 1 < n && d[i + 1] == '{' && !m_deepSkip.inStr) {
                    m_deepSkipping = false;
                    ++i;
                    return;
                }
            }
            if (m_deepSkip.feed(d[i])) {
                m_deepSkipping = false;
                ++i;
                return;
            }
        }
    }

    /// Something that is not a record grew past the record limit without an end in sight: says
    /// so, and skips it up to the next line that starts with '{' (bounded memory).
    size_t skipOversize(uint64_t line, size_t at, const char *what)
    {
        diag(line, m_carryOffset + at,
             std::string(what) + " is longer than the limit of " + std::to_string(m_limits.maxRecordBytes)
                 + " bytes; skipped up to the next line starting with '{'");
        m_skipping = true;
        m_line = line;
        return m_carry.size();
    }

    /// Objects one after another (pretty-printed or not), or the elements of JSON arrays.
    size_t scanValues(bool eof, std::vector<Pending> &found)
    {
        const char *d = m_carry.data();
        const size_t n = m_carry.size();
        const bool more = !eof;
        size_t i = 0;
        Resume resume = m_resume; // the item at m_carry[0], when its scan was cut short
        m_resume.valid = false;
        auto resumes = [&](size_t at) { return resume.valid && at == 0; };
        // a line end as the last byte read so far is left for the next chunk: whether a CR ends a
        // line and whether a record starts after it are decided by the byte after it
        const size_t lim = more && n > 0 && (d[n - 1] == '\n' || d[n - 1] == '\r') ? n - 1 : n;
        uint64_t line = m_line;
        size_t lastGood = i;      // everything before it is handled
        uint64_t lastGoodLine = line;
        auto commit = [&](size_t pos) {
            lastGood = pos;
            lastGoodLine = line;
        };
        if (m_skipping) {
            // after an oversize record: resume at the next line that starts with '{'
            for (; i < n; ++i) {
                if (isLineEnd(d, i, n, more)) {
                    ++line;
                    if (i + 1 < n && d[i + 1] == '{') {
                        m_skipping = false;
                        ++i;
                        break;
                    }
                }
            }
            commit(i);
            if (m_skipping) {
                m_line = line;
                return n;
            }
        }
        if (m_deepSkipping) {
            deepSkip(d, i, n, more, line);
            commit(i);
            if (m_deepSkipping) {
                m_line = line;
                return i;
            }
        }
        while (i < n) {
            const char c = d[i];
            if (isWs(c)) {
                if (c == '\r' && i + 1 == n && more)
                    break; // CRLF or a lone CR: the next byte says
                if (isLineEnd(d, i, n, more))
                    ++line;
                ++i;
                commit(i);
                continue;
            }
            if (isBom(d, i, n)) {
                i += 3;
                commit(i);
                continue;
            }
            if (isBomPrefix(d, i, n) && more)
                break;
            if (c == '[' && m_arrayNest >= std::min(m_limits.maxDepth, kMaxDepthCap)) {
                diag(line, m_carryOffset + i,
                     "JSON arrays are nested deeper than the limit of "
                         + std::to_string(std::min(m_limits.maxDepth, kMaxDepthCap))
                         + " levels; skipped this array up to its end");
                m_deepSkip = ValueScanner{};
                m_deepSkipping = true;
                deepSkip(d, i, n, more, line);
                commit(i);
                if (m_deepSkipping) {
                    m_line = line;
                    return i;
                }
                continue;
            }
            if (c == '[') {
                ++m_arrayNest;
                ++i;
                commit(i);
                continue;
            }
            if (c == ']' && m_arrayNest > 0) {
                --m_arrayNest;
                ++i;
                commit(i);
                continue;
            }
            if (c == ',' && m_arrayNest > 0) {
                ++i;
                commit(i);
                continue;
            }
            if (c == '{') {
                // scan one value
                const size_t start = i;
                const uint64_t startLine = line;
                ValueScanner scan;
                bool done = false, broken = false;
                size_t k = i;
                if (resumes(start)) {
                    scan = resume.scan;
                    k = std::min(resume.scanned, lim);
                    line = resume.line;
                }
                for (; k < lim; ++k) {
                    const char ch = d[k];
                    if (isLineEnd(d, k, n, more)) {
                        ++line;
                        if (k + 1 < n && d[k + 1] == '{' && scan.depth > 0) {
                            broken = true; // a new record starts at column 0: this one is cut short
                            ++k;
                            break;
                        }
                    }
                    if (scan.feed(ch)) {
                        done = true;
                        ++k;
                        break;
                    }
                }
                if (done) {
                    if (k - start > m_limits.maxRecordBytes)
                        diag(startLine, m_carryOffset + start,
                             "record is longer than the limit of " + std::to_string(m_limits.maxRecordBytes)
                                 + " bytes; skipped");
                    else
                        found.push_back({start, k - start, startLine});
                    i = k;
                    commit(i);
                    continue;
                }
                if (broken) {
                    diag(startLine, m_carryOffset + start,
                         "record is incomplete: its braces are not closed before the next record starts at line "
                             + std::to_string(line) + "; skipped");
                    i = k;
                    commit(i);
                    continue;
                }
                // ran out of bytes inside the value
                if (!eof) {
                    if (n - start > m_limits.maxRecordBytes) {
                        diag(startLine, m_carryOffset + start,
                             "record is longer than the limit of " + std::to_string(m_limits.maxRecordBytes)
                                 + " bytes; skipped up to the next line starting with '{'");
                        m_skipping = true;
                        m_line = line;
                        return n;
                    }
                    m_resume = Resume{true, k - start, line, scan, false};
                    m_line = lastGoodLine;
                    return lastGood;
                }
                diag(startLine, m_carryOffset + start,
                     "record is incomplete: the input ends inside it (truncated file?); skipped");
                m_line = line;
                return n;
            }
            if (m_arrayNest > 0 && c != '}' && c != ']') {
                // a scalar (or stray text) inside an array: skip just this element
                size_t e = i;
                bool ended = false; // its end was seen (a line end is left to the loop to count)
                bool escp = false;  // a string's escape state at e
                if (c == '"') {
                    ++e;
                    if (resumes(i)) {
                        e = std::max(e, std::min(resume.scanned, n));
                        escp = resume.escaped;
                    }
                    for (; e < n && !ended; ++e) {
                        if (escp) {
                            escp = false;
                        } else if (d[e] == '\\') {
                            escp = true;
                        } else if (d[e] == '\n' || d[e] == '\r') {
                            ended = true;
                            break;
                        } else if (d[e] == '"') {
                            ended = true;
                        }
                    }
                } else {
                    if (resumes(i))
                        e = std::min(resume.scanned, n);
                    while (e < n && d[e] != ',' && d[e] != ']' && d[e] != '\n' && d[e] != '\r' && d[e] != '{')
                        ++e;
                    ended = e < n;
                }
                if (!ended && !eof) {
                    if (n - i > m_limits.maxRecordBytes)
                        return skipOversize(line, i, "array element");
                    m_resume = Resume{true, n - i, line, {}, escp};
                    m_line = lastGoodLine;
                    return lastGood;
                }
                diag(line, m_carryOffset + i, "array element is not a JSON object: '" + preview(d + i, e - i) + "'; skipped");
                i = e == i ? i + 1 : e;
                commit(i);
                continue;
            }
            // anything else between records: report the rest of the line and move on
            size_t e = resumes(i) ? std::min(resume.scanned, n) : i;
            while (e < n && d[e] != '\n' && d[e] != '\r')
                ++e;
            if (e == n && !eof) {
                if (n - i > m_limits.maxRecordBytes)
                    return skipOversize(line, i, "text between records");
                m_resume = Resume{true, n - i, line, {}, false};
                m_line = lastGoodLine;
                return lastGood;
            }
            const std::string what = "unexpected text between records: '" + preview(d + i, e - i) + "'; skipped to the end of the line";
            diag(line, m_carryOffset + i, what);
            i = e;
            commit(i);
        }
        if (i < n) { // stopped before a CR or a BOM cut by the end of the bytes read so far
            m_line = lastGoodLine;
            return lastGood;
        }
        m_line = line;
        if (eof && m_arrayNest > 0) {
            diag(line, m_carryOffset + n, "JSON array is not closed: the input ends inside it (truncated file?)",
                 Diagnostic::Severity::Warning);
            m_arrayNest = 0;
        }
        return n;
    }

    const ReaderLimits &m_limits;
    const std::string &m_label;
    const SourceReader::BlockSink &m_blocks;
    const SourceReader::DiagnosticSink &m_diags;
    ReadSummary &m_summary;

    std::string m_carry;
    size_t m_filled = 0;        ///< the carry's size before room()
    uint64_t m_carryOffset = 0; ///< stream offset of m_carry[0]
    uint64_t m_line = 1;        ///< line of m_carry[0]
    bool m_sniffed = false;
    bool m_expand = false;
    bool m_skipping = false;
    bool m_fileBacked = false;
    size_t m_blankEnd = 0; ///< while sniffing: the carry's bytes before it are blanks and BOMs
    bool m_deepSkipping = false;
    ValueScanner m_deepSkip; ///< follows an array nested too deep up to its end
    int m_arrayNest = 0;
    /// Where the scan of the item at the start of the carry stopped when the bytes ran out, so
    /// that the next chunk resumes there instead of rescanning the item from its start (which
    /// made a long record fed in small chunks quadratic).
    struct Resume
    {
        bool valid = false;
        size_t scanned = 0; ///< bytes of the item already scanned (from m_carry[0])
        uint64_t line = 0;  ///< line at m_carry[scanned]
        ValueScanner scan;  ///< the scanner's state there (values)
        bool escaped = false; ///< a string scalar's escape state there
    } m_resume;
    InputFormat m_mode = InputFormat::Empty;
    InputFormat m_reported = InputFormat::Empty;
};


} // namespace

SourceReader::SourceReader(ReaderLimits limits) : m_limits(limits) {}

ReadSummary SourceReader::read(const SourceSpec &spec, const BlockSink &blocks, const DiagnosticSink &diags,
                               const std::atomic<bool> *cancel) const
{
    ReadSummary summary;
    std::string err;
    std::unique_ptr<ByteSource> raw = openByteSource(spec, err);
    if (!raw) {
        ++summary.errors;
        diags(Diagnostic{Diagnostic::Severity::Error, spec.label, 0, 0, err});
        return summary;
    }
    summary.opened = true;
    std::unique_ptr<ByteSource> src = maybeDecompress(std::move(raw), summary.compressed);
    Splitter splitter(m_limits, spec.label, blocks, diags, summary);
    splitter.setFileBacked(spec.kind == SourceSpec::Kind::File && !summary.compressed);
    summary.fileBacked = spec.kind == SourceSpec::Kind::File && !summary.compressed;
    for (;;) {
        if (cancel && cancel->load(std::memory_order_relaxed)) {
            summary.cancelled = true;
            break;
        }
        const ptrdiff_t got = src->read(splitter.room(m_limits.blockBytes), m_limits.blockBytes);
        for (ByteSource::Problem &p : src->takeProblems()) {
            if (p.severity == Diagnostic::Severity::Error)
                ++summary.errors;
            diags(Diagnostic{p.severity, spec.label, 0, p.offset, std::move(p.message)});
        }
        if (got < 0) {
            ++summary.errors;
            diags(Diagnostic{Diagnostic::Severity::Error, spec.label, 0, summary.bytesRead,
                             src->error() + "; the records before this point are kept"});
            splitter.filled(0, true);
            break;
        }
        summary.bytesRead += uint64_t(got);
        splitter.filled(size_t(got), got == 0);
        if (got == 0)
            break;
    }
    summary.format = splitter.format();
    return summary;
}


} // namespace auditlens
