// SPDX-License-Identifier: MIT
#include "bytesource.h"

#include <zlib.h>

#include <cerrno>
#include <cstring>
#include <csetjmp>
#include <csignal>
#include <fcntl.h>
#include <mutex>
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
class GzipSource : public ByteSource
{
public:
    explicit GzipSource(std::unique_ptr<ByteSource> in) : m_in(std::move(in)), m_buf(1 << 16, '\0')
    {
        std::memset(&m_z, 0, sizeof m_z);
        inflateInit2(&m_z, 15 + 16);
    }
    ~GzipSource() override { inflateEnd(&m_z); }

    ptrdiff_t read(char *buf, size_t n) override
    {
        if (m_pendingError) { // the last read handed over what was decoded before the error
            m_pendingError = false;
            return -1;
        }
        if (m_done)
            return 0;
        m_z.next_out = reinterpret_cast<Bytef *>(buf);
        m_z.avail_out = uInt(std::min<size_t>(n, 1u << 30));
        while (m_z.avail_out > 0) {
            if (m_z.avail_in == 0) {
                const ptrdiff_t got = m_in->read(m_buf.data(), m_buf.size());
                if (got < 0) {
                    m_error = m_in->error();
                    return finish(buf, -1);
                }
                if (got == 0) {
                    if (m_memberStarted) {
                        m_error = "gzip stream is truncated at compressed byte " + std::to_string(m_inTotal)
                                  + " (after " + std::to_string(m_outTotal + produced(buf))
                                  + " decompressed bytes)";
                        return finish(buf, -1);
                    }
                    m_done = true;
                    break;
                }
                m_inTotal += uint64_t(got);
                m_z.next_in = reinterpret_cast<Bytef *>(m_buf.data());
                m_z.avail_in = uInt(got);
            }
            if (!m_memberStarted) {
                // between members: only another gzip member may follow
                if (m_z.avail_in >= 1 && m_z.next_in[0] != 0x1f) {
                    bool allZero = true;
                    for (uInt k = 0; k < m_z.avail_in; ++k)
                        allZero = allZero && m_z.next_in[k] == 0;
                    if (!allZero) {
                        m_error = "unexpected bytes after the end of the gzip stream at compressed byte "
                                  + std::to_string(m_inTotal - m_z.avail_in);
                        return finish(buf, -1);
                    }
                    m_z.avail_in = 0;
                    continue;
                }
                m_memberStarted = true;
            }
            const uInt before = m_z.avail_in;
            const int rc = inflate(&m_z, Z_NO_FLUSH);
            (void)before;
            if (rc == Z_STREAM_END) {
                m_memberStarted = false;
                inflateReset(&m_z);
                continue;
            }
            if (rc == Z_BUF_ERROR)
                continue; // needs more input
            if (rc != Z_OK) {
                m_error = "gzip stream is corrupt at compressed byte " + std::to_string(m_inTotal - m_z.avail_in)
                          + " (after " + std::to_string(m_outTotal + produced(buf)) + " decompressed bytes): "
                          + (m_z.msg ? m_z.msg : "data error");
                return finish(buf, -1);
            }
        }
        const size_t out = produced(buf);
        m_outTotal += out;
        return ptrdiff_t(out);
    }

private:
    size_t produced(char *buf) const { return size_t(reinterpret_cast<char *>(m_z.next_out) - buf); }
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
    uint64_t m_inTotal = 0;
    uint64_t m_outTotal = 0;
    bool m_memberStarted = false;
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
