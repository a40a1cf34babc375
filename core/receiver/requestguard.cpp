// SPDX-License-Identifier: MIT
#include "requestguard.h"

#include "util/ascii.h"

#include <algorithm>
#include <cstddef>

namespace auditlens::receiver {

namespace {

constexpr int64_t kMaxChunkLine = 4096;

bool isTchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return std::string_view("!#$%&'*+-.^_`|~").find(char(c)) != std::string_view::npos;
}

/// Field-value characters: visible ASCII, blanks and obs-text; no controls, no DEL.
bool isValueChar(unsigned char c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

int hexValue(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

std::string_view trimBlanks(std::string_view s)
{
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t'))
        s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t'))
        s.remove_suffix(1);
    return s;
}

} // namespace

const std::string *RequestHead::value(std::string_view name) const
{
    for (const auto &[n, v] : headers)
        if (asciiIEquals(n, name))
            return &v;
    return nullptr;
}

RequestGuard::RequestGuard(Limits limits) : m_limits(std::move(limits)) {}

int64_t RequestGuard::bodyRemaining() const { return m_state == State::Body ? m_remaining : -1; }

void RequestGuard::skipBody(int64_t n)
{
    if (m_state != State::Body || n <= 0)
        return;
    n = std::min(n, m_remaining - 1); // the last byte goes through next(), which ends the request
    m_remaining -= n;
    m_body = m_head.contentLength - m_remaining;
}

bool RequestGuard::inBody() const
{
    return m_state == State::Body || m_state == State::ChunkSize || m_state == State::ChunkData || m_state == State::ChunkDataEnd
           || m_state == State::Trailer;
}

bool RequestGuard::idle() const { return m_state == State::RequestLine && m_line.empty(); }

RequestGuard::Step RequestGuard::fail(size_t consumed, int status, std::string reason, std::string message)
{
    m_state = State::Failed;
    m_status = status;
    m_reason = std::move(reason);
    m_message = std::move(message);
    m_line.clear();
    return {Event::Error, consumed};
}

bool RequestGuard::takeLine(std::string_view data, size_t &i, int64_t limit, bool &tooLong)
{
    const size_t nl = data.find('\n', i);
    const size_t stop = nl == std::string_view::npos ? data.size() : nl + 1;
    // never buffer more than the limit, whatever the segmentation
    if (int64_t(m_line.size() + (stop - i)) > limit) {
        tooLong = true;
        return false;
    }
    m_line.append(data.data() + i, stop - i);
    i = stop;
    return nl != std::string_view::npos;
}

RequestGuard::Step RequestGuard::next(std::string_view data)
{
    size_t i = 0;
    while (m_state != State::Failed) {
        switch (m_state) {
        case State::RequestLine:
        case State::Header:
        case State::Trailer:
        case State::ChunkSize:
        case State::ChunkDataEnd: {
            if (i >= data.size())
                return {Event::NeedMore, i};
            const bool head = m_state == State::RequestLine || m_state == State::Header;
            const int64_t limit = head || m_state == State::Trailer ? m_limits.maxHeaderBytes - m_headBytes
                                  : m_state == State::ChunkDataEnd ? 2
                                                                    : kMaxChunkLine;
            bool tooLong = false;
            const size_t before = i;
            const bool complete = takeLine(data, i, std::max<int64_t>(limit, 0), tooLong);
            if (tooLong) {
                if (head || m_state == State::Trailer)
                    return fail(before, 431, "headers too large",
                                "the request headers are larger than the limit of " + std::to_string(m_limits.maxHeaderBytes) + " bytes");
                if (m_state == State::ChunkDataEnd)
                    return fail(before, 400, "bad request", "malformed chunked encoding: a chunk does not end with CRLF");
                return fail(before, 400, "bad request", "malformed chunked encoding: a chunk-size line is too long");
            }
            if (!complete)
                return {Event::NeedMore, i};
            if (head || m_state == State::Trailer)
                m_headBytes += int64_t(m_line.size());
            // CRLF only: a bare LF (or a CR inside the line) is read differently by other parsers
            if (m_line.size() < 2 || m_line[m_line.size() - 2] != '\r')
                return fail(i, 400, "bad request", "a line of the request ends in a bare LF (CRLF is required)");
            m_line.resize(m_line.size() - 2);
            if (m_line.find('\r') != std::string::npos)
                return fail(i, 400, "bad request", "a line of the request holds a bare CR");
            const std::string line = std::move(m_line);
            m_line.clear();
            if (m_state == State::RequestLine) {
                const size_t sp1 = line.find(' ');
                const size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
                if (sp1 == std::string::npos || sp2 == std::string::npos || line.find(' ', sp2 + 1) != std::string::npos)
                    return fail(i, 400, "bad request", "malformed request line");
                m_head = RequestHead{};
                m_head.method = line.substr(0, sp1);
                m_head.target = line.substr(sp1 + 1, sp2 - sp1 - 1);
                m_head.version = line.substr(sp2 + 1);
                const bool methodOk = !m_head.method.empty() && m_head.method.size() <= 20
                                      && std::all_of(m_head.method.begin(), m_head.method.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
                const bool targetOk = !m_head.target.empty() && std::all_of(m_head.target.begin(), m_head.target.end(), [](char c) {
                    return static_cast<unsigned char>(c) > 0x20 && static_cast<unsigned char>(c) < 0x7f;
                });
                if (!methodOk || !targetOk || (m_head.version != "HTTP/1.1" && m_head.version != "HTTP/1.0"))
                    return fail(i, 400, "bad request", "malformed request line");
                m_state = State::Header;
            } else if (m_state == State::Header) {
                if (line.empty()) {
                    int status = 400;
                    std::string why;
                    if (!headerDone(why, status))
                        return fail(i, status, status == 400 ? "bad request" : "too large", why);
                    ++m_requests;
                    m_body = 0;
                    if (m_head.chunked) {
                        m_state = State::ChunkSize;
                    } else {
                        m_state = State::Body;
                        m_remaining = std::max<int64_t>(m_head.contentLength, 0);
                    }
                    return {Event::Head, i};
                }
                if (line.front() == ' ' || line.front() == '\t')
                    return fail(i, 400, "bad request", "a folded header line (obsolete line folding is not accepted)");
                const size_t colon = line.find(':');
                if (colon == std::string::npos || colon == 0
                    || !std::all_of(line.begin(), line.begin() + std::ptrdiff_t(colon), [](char c) { return isTchar(static_cast<unsigned char>(c)); }))
                    return fail(i, 400, "bad request", "a malformed header line");
                const std::string_view value = trimBlanks(std::string_view(line).substr(colon + 1));
                if (!std::all_of(value.begin(), value.end(), [](char c) { return isValueChar(static_cast<unsigned char>(c)); }))
                    return fail(i, 400, "bad request", "a header value holds control characters");
                if (int(m_head.headers.size()) >= m_limits.maxHeaders)
                    return fail(i, 431, "headers too large", "more than " + std::to_string(m_limits.maxHeaders) + " header lines");
                m_head.headers.emplace_back(line.substr(0, colon), std::string(value));
            } else if (m_state == State::Trailer) {
                if (!line.empty())
                    return fail(i, 400, "bad request", "trailer fields after a chunked body are not accepted");
                m_state = State::RequestLine;
                m_headBytes = 0;
                return {Event::Complete, i};
            } else if (m_state == State::ChunkDataEnd) {
                if (!line.empty())
                    return fail(i, 400, "bad request", "malformed chunked encoding: a chunk does not end with CRLF");
                m_state = State::ChunkSize;
            } else { // chunk-size [; extensions]
                size_t k = 0;
                int64_t size = 0;
                while (k < line.size() && hexValue(line[k]) >= 0) {
                    if (k == 15)
                        return fail(i, 400, "bad request", "malformed chunked encoding: a chunk size of more than 15 hex digits");
                    size = size * 16 + hexValue(line[k]);
                    ++k;
                }
                if (k == 0 || (k < line.size() && line[k] != ';'))
                    return fail(i, 400, "bad request", "malformed chunked encoding: a chunk size is not a hex number");
                if (size > m_limits.maxBodyBytes - m_body)
                    return fail(i, 413, "too large", "the body is larger than the limit of " + std::to_string(m_limits.maxBodyBytes) + " bytes");
                if (size == 0) {
                    m_state = State::Trailer;
                    m_headBytes = 0;
                } else {
                    m_remaining = size;
                    m_state = State::ChunkData;
                }
            }
            break;
        }
        case State::Body:
        case State::ChunkData: {
            const int64_t take = std::min<int64_t>(m_remaining, int64_t(data.size() - i));
            m_remaining -= take;
            i += size_t(take);
            if (m_state == State::ChunkData)
                m_body += take;
            else
                m_body = m_head.contentLength - m_remaining;
            if (m_remaining > 0)
                return {Event::NeedMore, i};
            if (m_state == State::ChunkData) {
                m_state = State::ChunkDataEnd;
                break;
            }
            m_state = State::RequestLine;
            m_headBytes = 0;
            return {Event::Complete, i};
        }
        case State::Failed:
            break;
        }
    }
    return {Event::Error, i};
}

bool RequestGuard::headerDone(std::string &why, int &status)
{
    status = 400;
    int lengths = 0, codings = 0, secrets = 0;
    for (const auto &[name, value] : m_head.headers) {
        if (asciiIEquals(name, "Content-Length")) {
            if (++lengths > 1) {
                why = "more than one Content-Length";
                return false;
            }
            if (value.empty() || value.size() > 18 || !std::all_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; })) {
                why = "Content-Length is not a number";
                return false;
            }
            m_head.contentLength = std::stoll(value);
        } else if (asciiIEquals(name, "Transfer-Encoding")) {
            if (++codings > 1) {
                why = "more than one Transfer-Encoding";
                return false;
            }
            if (!asciiIEquals(value, "chunked")) {
                why = "Transfer-Encoding other than chunked is not accepted";
                return false;
            }
            m_head.chunked = true;
        } else if (!m_limits.secretHeader.empty() && asciiIEquals(name, m_limits.secretHeader)) {
            if (++secrets > 1) {
                why = "the secret header is sent more than once";
                return false;
            }
            m_head.secret = value;
        }
    }
    if (lengths && codings) {
        why = "both Content-Length and Transfer-Encoding";
        return false;
    }
    if (codings && m_head.version == "HTTP/1.0") {
        why = "Transfer-Encoding in an HTTP/1.0 request";
        return false;
    }
    return true;
}

} // namespace auditlens::receiver
