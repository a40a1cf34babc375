// SPDX-License-Identifier: MIT
#include "bytesource.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <csetjmp>
#include <csignal>
#include <fcntl.h>
#include <mutex>
#include <utility>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

namespace auditlens {

namespace {

class FdSource : public ByteSource
{
public:
    FdSource(int fd, bool owned) : m_fd(fd), m_owned(owned) {}
    ~FdSource() override
    {
        if (m_owned && m_fd >= 0)
            ::close(m_fd);
    }
    ptrdiff_t read(char *buf, size_t n) override
    {
        size_t total = 0;
        while (total < n) {
            const ssize_t r = ::read(m_fd, buf + total, n - total);
            if (r < 0) {
                if (errno == EINTR)
                    continue;
                m_error = std::string("read error: ") + std::strerror(errno);
                return total ? ptrdiff_t(total) : -1;
            }
            if (r == 0)
                break;
            total += size_t(r);
        }
        return ptrdiff_t(total);
    }

private:
    int m_fd;
    bool m_owned;
};

class MemorySource : public ByteSource
{
public:
    explicit MemorySource(const std::string &bytes) : m_bytes(bytes) {}
    ptrdiff_t read(char *buf, size_t n) override
    {
        const size_t k = std::min(n, m_bytes.size() - m_pos);
        std::memcpy(buf, m_bytes.data() + m_pos, k);
        m_pos += k;
        return ptrdiff_t(k);
    }

private:
    const std::string &m_bytes;
    size_t m_pos = 0;
};

/// Hands back bytes already read (for sniffing) before reading on.
class PrefixedSource : public ByteSource
{
public:
    PrefixedSource(std::string prefix, std::unique_ptr<ByteSource> rest) : m_prefix(std::move(prefix)), m_rest(std::move(rest)) {}
    ptrdiff_t read(char *buf, size_t n) override
    {
        if (m_pos < m_prefix.size()) {
            const size_t k = std::min(n, m_prefix.size() - m_pos);
            std::memcpy(buf, m_prefix.data() + m_pos, k);
            m_pos += k;
            return ptrdiff_t(k);
        }
        return m_rest->read(buf, n);
    }
    std::string error() const override { return m_rest->error(); }

private:
    std::string m_prefix;
    size_t m_pos = 0;
    std::unique_ptr<ByteSource> m_rest;
};

/// Streaming gzip decoder; several members one after another are one stream (as `zcat`).
/// Damage is reported with its compressed byte offset and decoding goes on where it can: after
/// a corrupt member (bad data, bad CRC or length) or bytes that are not gzip data between
/// members, it resumes at the next gzip member header (1f 8b 08) found further on, so that the
/// records of the intact members after the damage are kept. A line end is put between the
/// bytes before and after such a gap, so that a record cut by it is read as a record of its own
/// (and rejected) rather than glued to the next one. The input is read 64 KiB at a time and the
/// output goes straight into the caller's buffer: memory stays bounded whatever the ratio.
class GzipSource : public ByteSource
{
public:
    explicit GzipSource(std::unique_ptr<ByteSource> in) : m_in(std::move(in)), m_buf(1 << 16, '\0')
    {
        std::memset(&m_z, 0, sizeof m_z);
        inflateInit2(&m_z, 15 + 16);
    }
    ~GzipSource() override { inflateEnd(&m_z); }

    std::vector<Problem> takeProblems() override { return std::exchange(m_problems, {}); }

    ptrdiff_t read(char *buf, size_t n) override
    {
        if (m_pendingError) { // the last read handed over what was decoded before the error
            m_pendingError = false;
            return -1;
        }
        if (m_done || n == 0)
            return 0;
        m_z.next_out = reinterpret_cast<Bytef *>(buf);
        m_z.avail_out = uInt(std::min<size_t>(n, 1u << 30));
        while (m_z.avail_out > 0) {
            if (m_needBreak) {
                m_needBreak = false;
                if (m_lastOut != '\n' && m_outTotal + produced(buf) > 0) {
                    *m_z.next_out++ = '\n';
                    --m_z.avail_out;
                    m_lastOut = '\n';
                    continue;
                }
            }
            if (m_z.avail_in == 0 || (m_resync && m_z.avail_in < 3)) {
                const int got = fill();
                if (got < 0)
                    return finish(buf, -1);
                if (got == 0) {
                    if (m_resync) {
                        m_problems.push_back({skippedSeverity(), m_outTotal + produced(buf),
                                              "compressed bytes " + std::to_string(m_skipFrom) + " to "
                                                  + std::to_string(m_inTotal)
                                                  + " are skipped: no further gzip member follows"});
                        m_done = true;
                        break;
                    }
                    if (m_memberStarted) {
                        m_error = "gzip stream is truncated at compressed byte " + std::to_string(m_inTotal)
                                  + " (after " + std::to_string(m_outTotal + produced(buf))
                                  + " decompressed bytes)";
                        return finish(buf, -1);
                    }
                    m_done = true;
                    break;
                }
            }
            if (m_resync) {
                resync(buf);
                continue;
            }
            if (!m_memberStarted) {
                // between members: only another gzip member (or zero padding) may follow
                while (m_z.avail_in > 0 && m_z.next_in[0] == 0)
                    ++m_z.next_in, --m_z.avail_in;
                if (m_z.avail_in == 0)
                    continue;
                if (m_z.avail_in < 3 && !m_inEof) {
                    if (fill() < 0)
                        return finish(buf, -1);
                    continue;
                }
                if (!isMemberStart(m_z.next_in, m_z.avail_in)) {
                    startResync(position(), false);
                    continue;
                }
                m_memberStarted = true;
                m_memberStart = position();
            }
            const Bytef *outBefore = m_z.next_out;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            if (m_z.next_out > outBefore)
                m_lastOut = char(m_z.next_out[-1]);
            if (rc == Z_STREAM_END) {
                m_memberStarted = false;
                inflateReset(&m_z);
                continue;
            }
            if (rc == Z_BUF_ERROR || rc == Z_OK)
                continue; // needs more input, or more room
            const uint64_t at = position();
            m_problems.push_back({Diagnostic::Severity::Error, m_outTotal + produced(buf),
                                  "gzip stream is corrupt at compressed byte " + std::to_string(at) + " (after "
                                      + std::to_string(m_outTotal + produced(buf))
                                      + " decompressed bytes): " + (m_z.msg ? m_z.msg : "data error")
                                      + "; the bytes decoded before it are kept"});
            inflateReset(&m_z);
            m_memberStarted = false;
            // the next member starts after this one's first byte at the earliest
            startResync(std::max(at, m_memberStart + 1), true);
        }
        const size_t out = produced(buf);
        m_outTotal += out;
        return ptrdiff_t(out);
    }

private:
    static bool isMemberStart(const Bytef *p, size_t n)
    {
        return n >= 3 && p[0] == 0x1f && p[1] == 0x8b && p[2] == 0x08;
    }
    uint64_t position() const { return m_inTotal - m_z.avail_in; }
    /// The rest of a corrupt member was reported with it; bytes that are not gzip at all are news.
    Diagnostic::Severity skippedSeverity() const
    {
        return m_afterCorruption ? Diagnostic::Severity::Warning : Diagnostic::Severity::Error;
    }
    size_t produced(char *buf) const { return size_t(reinterpret_cast<char *>(m_z.next_out) - buf); }

    /// Reads more input after what is left of the buffer. Bytes read, 0 at the end, -1 on error.
    int fill()
    {
        if (m_inEof)
            return 0;
        const size_t left = m_z.avail_in;
        if (left > 0 && m_z.next_in != reinterpret_cast<Bytef *>(m_buf.data()))
            std::memmove(m_buf.data(), m_z.next_in, left);
        const ptrdiff_t got = m_in->read(m_buf.data() + left, m_buf.size() - left);
        if (got < 0) {
            m_error = m_in->error();
            return -1;
        }
        if (got == 0)
            m_inEof = true;
        m_inTotal += uint64_t(got);
        m_z.next_in = reinterpret_cast<Bytef *>(m_buf.data());
        m_z.avail_in = uInt(left + size_t(got));
        return got > 0 ? int(got) : (left > 0 ? int(left) : 0);
    }

    void startResync(uint64_t from, bool afterCorruption)
    {
        m_resync = true;
        m_afterCorruption = afterCorruption;
        m_skipFrom = position();
        // skip up to `from` (within the buffer: `from` is never past its end)
        const uint64_t skip = std::min<uint64_t>(from > position() ? from - position() : 0, m_z.avail_in);
        m_z.next_in += skip;
        m_z.avail_in -= uInt(skip);
    }

    /// Looks for the next member header in the buffer; keeps the last two bytes for the next fill.
    void resync(char *buf)
    {
        const Bytef *p = m_z.next_in;
        const size_t n = m_z.avail_in;
        size_t k = 0;
        for (; k + 3 <= n; ++k)
            if (isMemberStart(p + k, n - k))
                break;
        if (k + 3 > n) {
            // not here: drop all but the bytes that may begin a header cut by the buffer's end
            const size_t keep = m_inEof ? 0 : std::min<size_t>(n, 2);
            m_z.next_in += n - keep;
            m_z.avail_in = uInt(keep);
            if (m_inEof) {
                m_problems.push_back({skippedSeverity(), m_outTotal + produced(buf),
                                      "compressed bytes " + std::to_string(m_skipFrom) + " to "
                                          + std::to_string(m_inTotal) + " are skipped: no further gzip member follows"});
                m_resync = false;
                m_done = true;
                m_z.avail_out = 0; // ends the read loop
            }
            return;
        }
        m_z.next_in += k;
        m_z.avail_in -= uInt(k);
        if (m_afterCorruption)
            m_problems.push_back({Diagnostic::Severity::Warning, m_outTotal + produced(buf),
                                  "reading goes on with the gzip member at compressed byte " + std::to_string(position())});
        else if (position() > m_skipFrom)
            m_problems.push_back({Diagnostic::Severity::Error, m_outTotal + produced(buf),
                                  "compressed bytes " + std::to_string(m_skipFrom) + " to " + std::to_string(position())
                                      + " are not gzip data (garbage between gzip members?): skipped, reading goes on"
                                        " with the gzip member there"});
        m_resync = false;
        m_needBreak = true;
    }

    ptrdiff_t finish(char *buf, ptrdiff_t rc)
    {
        // hand over what was decoded; report the error on the next call
        const size_t out = produced(buf);
        m_done = true;
        if (out > 0) {
            m_outTotal += out;
            m_pendingError = true;
            return ptrdiff_t(out);
        }
        return rc;
    }

private:
    std::unique_ptr<ByteSource> m_in;
    std::string m_buf;
    z_stream m_z;
    std::vector<Problem> m_problems;
    uint64_t m_inTotal = 0;
    uint64_t m_outTotal = 0;
    uint64_t m_memberStart = 0; ///< compressed offset of the current member's header
    uint64_t m_skipFrom = 0;    ///< compressed offset where the skipped bytes begin
    char m_lastOut = '\n';
    bool m_memberStarted = false;
    bool m_resync = false;
    bool m_afterCorruption = false; ///< the bytes being skipped are the rest of a corrupt member
    bool m_needBreak = false;
    bool m_inEof = false;
    bool m_done = false;
    bool m_pendingError = false;
};

} // namespace

std::unique_ptr<ByteSource> openByteSource(const SourceSpec &spec, std::string &error)
{
    switch (spec.kind) {
    case SourceSpec::Kind::Stdin:
        return std::make_unique<FdSource>(0, false);
    case SourceSpec::Kind::Memory:
        return std::make_unique<MemorySource>(spec.bytes);
    case SourceSpec::Kind::File: {
        const int fd = ::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            error = std::string("cannot open: ") + std::strerror(errno);
            return nullptr;
        }
        struct stat st;
        if (::fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
            ::close(fd);
            error = "is a directory";
            return nullptr;
        }
#ifdef POSIX_FADV_SEQUENTIAL
        ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
#endif
        return std::make_unique<FdSource>(fd, true);
    }
    }
    error = "unknown source";
    return nullptr;
}

std::unique_ptr<ByteSource> maybeDecompress(std::unique_ptr<ByteSource> src, bool &compressed)
{
    std::string head(2, '\0');
    ptrdiff_t got = 0;
    while (got < 2) {
        const ptrdiff_t r = src->read(head.data() + got, size_t(2 - got));
        if (r <= 0)
            break;
        got += r;
    }
    head.resize(size_t(std::max<ptrdiff_t>(got, 0)));
    compressed = head.size() == 2 && static_cast<unsigned char>(head[0]) == 0x1f && static_cast<unsigned char>(head[1]) == 0x8b;
    auto prefixed = std::make_unique<PrefixedSource>(std::move(head), std::move(src));
    if (!compressed)
        return prefixed;
    return std::make_unique<GzipSource>(std::move(prefixed));
}

FileRangeReader::~FileRangeReader()
{
    if (m_fd >= 0)
        ::close(m_fd);
}

bool FileRangeReader::read(const std::string &path, uint64_t offset, size_t len, std::string &out)
{
    if (path != m_path) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_path = path;
        m_fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    }
    std::string error;
    return m_fd >= 0 && preadAll(m_fd, offset, len, out, error);
}

bool preadAll(int fd, uint64_t offset, size_t len, std::string &out, std::string &error)
{
    out.resize(len);
    size_t done = 0;
    while (done < len) {
        const ssize_t r = ::pread(fd, out.data() + done, len - done, off_t(offset + done));
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0) {
            error = r == 0 ? std::string("file is shorter than before (changed on disk?)") : std::string(std::strerror(errno));
            return false;
        }
        done += size_t(r);
    }
    return true;
}

bool readFileRange(const std::string &path, uint64_t offset, size_t len, std::string &out, std::string &error)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = std::string("cannot open: ") + std::strerror(errno);
        return false;
    }
    const bool ok = preadAll(fd, offset, len, out, error);
    ::close(fd);
    return ok;
}

// ------------------------------------------------------------------------------------------
// MappedFile

namespace {

thread_local sigjmp_buf *t_busJump = nullptr;

void onSigbus(int sig, siginfo_t *, void *)
{
    if (sigjmp_buf *jump = t_busJump)
        siglongjmp(*jump, 1); // a guarded read of a mapping whose file shrank
    // not ours: what SIGBUS would have done without this handler
    ::signal(sig, SIG_DFL);
    ::raise(sig);
}

void installSigbusHandler()
{
    static std::once_flag once;
    std::call_once(once, [] {
        struct sigaction sa{};
        sa.sa_sigaction = onSigbus;
        sa.sa_flags = SA_SIGINFO | SA_NODEFER;
        sigemptyset(&sa.sa_mask);
        ::sigaction(SIGBUS, &sa, nullptr);
    });
}

} // namespace

std::shared_ptr<const MappedFile> MappedFile::open(const std::string &path, bool populate, std::string &error)
{
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        error = std::string("cannot open: ") + std::strerror(errno);
        return nullptr;
    }
    struct stat st{};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size == 0) {
        error = "not a regular, non-empty file";
        ::close(fd);
        return nullptr;
    }
    installSigbusHandler();
    void *p = ::mmap(nullptr, size_t(st.st_size), PROT_READ, MAP_SHARED | (populate ? MAP_POPULATE : 0), fd, 0);
    ::close(fd); // the mapping keeps the file
    if (p == MAP_FAILED) {
        error = std::string("cannot map: ") + std::strerror(errno);
        return nullptr;
    }
    return std::shared_ptr<const MappedFile>(new MappedFile(static_cast<const char *>(p), size_t(st.st_size)));
}

MappedFile::~MappedFile() { ::munmap(const_cast<char *>(m_data), m_size); }

bool MappedFile::guarded(void (*fn)(void *), void *context) const
{
    sigjmp_buf jump;
    sigjmp_buf *outer = t_busJump;
    if (sigsetjmp(jump, 1) != 0) {
        t_busJump = outer;
        return false;
    }
    t_busJump = &jump;
    fn(context);
    t_busJump = outer;
    return true;
}

} // namespace auditlens
