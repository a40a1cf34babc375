// SPDX-License-Identifier: MIT
// libFuzzer harness for the receiver's request guard (core/receiver/requestguard.h): the bytes
// of one connection, read once whole and once in pieces (sizes drawn from the input's first
// byte). Both readings must give the same events (heads with the same method, target, length
// and secret; bodies of the same size; the same error), and the guard must keep its limits
// (no body over maxBodyBytes, nothing taken after an error, never more taken than given).
#include "receiver/requestguard.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

using auditlens::receiver::RequestGuard;

namespace {

struct Seen
{
    int event;     ///< RequestGuard::Event
    size_t at;     ///< absolute offset of the event (heads and completions)
    std::string what;
    bool operator==(const Seen &) const = default;
};

[[noreturn]] void fail(const char *why)
{
    std::fprintf(stderr, "fuzz_request_guard: %s\n", why);
    std::abort();
}

std::vector<Seen> readAll(std::string_view input, const RequestGuard::Limits &limits, uint32_t seed)
{
    RequestGuard g(limits);
    std::vector<Seen> out;
    size_t pos = 0;
    bool failed = false;
    int64_t announced = 0; // the Content-Length of the last head read
    while (pos < input.size() || pos == 0) {
        size_t piece = input.size() - pos;
        if (seed) { // a small linear congruential generator picks the piece sizes
            seed = seed * 1103515245u + 12345u;
            piece = std::min<size_t>(piece, 1 + (seed >> 16) % 97);
        }
        std::string_view rest = input.substr(pos, piece);
        size_t base = pos;
        for (;;) {
            const RequestGuard::Step s = g.next(rest);
            if (s.consumed > rest.size())
                fail("took more bytes than given");
            if (failed && s.consumed)
                fail("took bytes after an error");
            base += s.consumed;
            rest.remove_prefix(s.consumed);
            // the limit bounds a chunked body (the guard answers 413); a Content-Length above it is
            // the receiver's to refuse once it has the head (it answers 413 and drains what was
            // announced), so such a body, read on here, is bounded by what its head announced
            if (s.event == RequestGuard::Event::Head)
                announced = g.head().chunked ? 0 : std::max<int64_t>(g.head().contentLength, 0);
            if (g.bodyBytes() > std::max(limits.maxBodyBytes, announced) || g.bodyBytes() < 0)
                fail("a body size out of range");
            if (s.event == RequestGuard::Event::NeedMore) {
                if (!rest.empty())
                    fail("asked for more with bytes left");
                break;
            }
            if (s.event == RequestGuard::Event::Error) {
                if (!failed)
                    out.push_back({int(s.event), 0, std::to_string(g.status()) + g.reason()});
                failed = true;
                if (g.status() != 400 && g.status() != 413 && g.status() != 431)
                    fail("an unexpected status");
                break;
            }
            if (s.event == RequestGuard::Event::Head) {
                const auto &h = g.head();
                if (h.contentLength >= 0 && h.chunked)
                    fail("a head with both lengths");
                out.push_back({int(s.event), base, h.method + " " + h.target + " " + std::to_string(h.contentLength) + (h.chunked ? " chunked " : " ") + h.secret});
            } else {
                out.push_back({int(s.event), base, std::to_string(g.bodyBytes())});
            }
        }
        if (failed)
            break;
        pos += piece;
        if (input.empty())
            break;
    }
    return out;
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    const uint32_t seed = data[0] | 1u;
    const std::string_view input(reinterpret_cast<const char *>(data + 1), size - 1);
    RequestGuard::Limits limits;
    limits.maxHeaderBytes = 2048; // small limits, so that the fuzzer reaches them
    limits.maxHeaders = 16;
    limits.maxBodyBytes = 4096;
    limits.secretHeader = "X-Secret";
    const std::vector<Seen> whole = readAll(input, limits, 0);
    const std::vector<Seen> pieces = readAll(input, limits, seed);
    if (!(whole == pieces))
        fail("the reading depends on how the bytes are split");
    return 0;
}
