// SPDX-License-Identifier: MIT
// libFuzzer harness: every reader and sniffer (NDJSON, JSON arrays, concatenated and
// pretty-printed objects, API envelopes, Sekoia test files, gzip with one or more members,
// damaged or not) on any bytes. Nothing may crash, hang, leak a span outside its block, lose
// track of lines or offsets, or report a problem without saying what it is.
#include "receiver/sender.h"
#include "source/reader.h"

#include <cstdint>
#include <cstdlib>
#include <string>

using namespace auditlens;

namespace {

void check(bool ok)
{
    if (!ok)
        std::abort();
}

void readAll(const std::string &bytes, const ReaderLimits &limits)
{
    SourceReader reader(limits);
    uint64_t records = 0, lastLine = 0;
    const ReadSummary s = reader.read(
        SourceSpec::memory("fuzz", bytes),
        [&](Block &&b) {
            check(b.data && b.dataLen + kRecordPadding <= b.data->size());
            for (size_t k = b.dataLen; k < b.data->size(); ++k)
                check((*b.data)[k] == '\0'); // simdjson's padding
            for (const RecordSpan &sp : b.spans) {
                check(sp.len > 0 && uint64_t(sp.pos) + sp.len <= b.dataLen);
                check(sp.line >= lastLine); // lines only go forward
                lastLine = sp.line;
            }
            records += b.spans.size();
        },
        [&](Diagnostic &&d) {
            check(!d.message.empty());
            check(!d.toString().empty());
        });
    check(s.opened);
    check(s.records == records);
    check(s.bytesRead >= (s.compressed ? 0 : bytes.size()));
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    // the first byte picks how the rest is presented and the read granularity
    const uint8_t mode = data[0];
    const std::string rest(reinterpret_cast<const char *>(data) + 1, size - 1);
    ReaderLimits limits;
    static const size_t blocks[] = {1, 2, 3, 7, 64, 4096, size_t(4) << 20};
    limits.blockBytes = blocks[(mode >> 2) % 7];
    // the splitter rescans a record cut by a block end from its start: tiny blocks (a test of
    // the seams, never a real setting) on long inputs would only measure that
    if (limits.blockBytes < 64 && size > 4096)
        limits.blockBytes = 4096;
    limits.maxRecordBytes = (mode & 0x20) ? 100 : 64u << 20;
    limits.maxDepth = (mode & 0x40) ? 4 : 128;
    std::string bytes;
    switch (mode & 3) {
    case 0: bytes = rest; break;
    case 1: bytes = receiver::gzipBytes(rest, 1); break;
    case 2: { // a damaged gzip stream: one byte flipped where the last byte of the input says
        bytes = receiver::gzipBytes(rest, 1);
        if (!rest.empty() && bytes.size() > 2)
            bytes[2 + size_t(uint8_t(rest.back())) * 7 % (bytes.size() - 2)] ^= char(0x5a);
        break;
    }
    case 3: { // two members with the middle of the input between them as it is
        const size_t a = rest.size() / 3, b = 2 * rest.size() / 3;
        bytes = receiver::gzipBytes(rest.substr(0, a), 1) + rest.substr(a, b - a) + receiver::gzipBytes(rest.substr(b), 1);
        break;
    }
    }
    readAll(bytes, limits);
    // the envelope / test-file expanders and the compactor on the bytes as they are
    std::vector<std::string> recs;
    std::string why;
    (void)expandEnvelope(rest, recs, why);
    recs.clear();
    (void)expandSekoiaTest(rest, recs, why);
    (void)compactJson(rest);
    return 0;
}
