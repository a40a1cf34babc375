// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace auditlens::receiver {

/// What the guard read of one request's head.
struct RequestHead
{
    std::string method, target, version;
    std::vector<std::pair<std::string, std::string>> headers; ///< in order, values without surrounding blanks
    int64_t contentLength = -1; ///< -1: none
    bool chunked = false;
    /// The value of the header named `secretHeader` in the limits; empty when absent.
    std::string secret;
    /// The value of a header, case-insensitive name; nullptr when absent.
    const std::string *value(std::string_view name) const;
};

/// Follows the byte stream of one connection, request after request (pipelining included),
/// and reads each request the strict way: CRLF line ends only, one Content-Length of digits
/// only, or Transfer-Encoding: chunked alone, no folded or malformed header lines, no
/// trailers, hex chunk sizes of at most 15 digits. A request it accepts is read the same way by
/// every HTTP/1.1 parser (Qt's included); anything else is an error before a byte of its body
/// is taken. Pure: bytes in, events out, no I/O, so that tests and a fuzzer can drive it.
class RequestGuard
{
public:
    struct Limits
    {
        int64_t maxHeaderBytes = 64 * 1024; ///< request line + headers (431 beyond), whatever the segmentation
        int maxHeaders = 100;               ///< 431 beyond
        /// a chunked body's decoded size (413 beyond). A Content-Length above it is refused by the
        /// caller once it has the head (the receiver answers 413 and drains what was announced)
        int64_t maxBodyBytes = 100LL << 20;
        std::string secretHeader = "X-Auditlens-Secret";
    };
    enum class Event
    {
        NeedMore, ///< every byte given was taken; give more
        Head,     ///< a request's head is complete: head(); its body follows
        Complete, ///< the request's body is complete (bodyBytes()); the next request may follow
        Error,    ///< status()/message(); the connection must be answered and closed
    };
    struct Step
    {
        Event event = Event::NeedMore;
        size_t consumed = 0; ///< bytes of the input taken up to this event
    };

    explicit RequestGuard(Limits limits);
    /// Takes bytes up to the next event. Call again with the rest (data.substr(consumed)) until
    /// NeedMore. After Error every further call returns Error and takes nothing.
    Step next(std::string_view data);

    /// Takes n bytes of a Content-Length body without looking at them (n <= bodyRemaining()).
    void skipBody(int64_t n);

    const RequestHead &head() const { return m_head; }
    int64_t bodyBytes() const { return m_body; }   ///< of the current request (decoded, for chunked)
    int64_t bodyRemaining() const;                  ///< announced body bytes not arrived yet (-1: chunked)
    bool inBody() const;                            ///< between Head and Complete
    bool idle() const;                              ///< between requests, nothing of the next one seen
    int status() const { return m_status; }         ///< of the Error
    const std::string &reason() const { return m_reason; }
    const std::string &message() const { return m_message; }
    uint64_t requests() const { return m_requests; } ///< heads read so far

private:
    enum class State { RequestLine, Header, Body, ChunkSize, ChunkData, ChunkDataEnd, Trailer, Failed };
    Step fail(size_t consumed, int status, std::string reason, std::string message);
    /// Appends to m_line up to an LF; true with the line (CR checked and removed) in m_line.
    bool takeLine(std::string_view data, size_t &i, int64_t limit, bool &tooLong);
    bool headerDone(std::string &why, int &status);

    Limits m_limits;
    State m_state = State::RequestLine;
    std::string m_line;
    int64_t m_headBytes = 0;
    int64_t m_remaining = 0;
    int64_t m_body = 0;
    RequestHead m_head;
    int m_status = 0;
    std::string m_reason, m_message;
    uint64_t m_requests = 0;
};

} // namespace auditlens::receiver
