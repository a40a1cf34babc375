// SPDX-License-Identifier: MIT
#include "journal.h"
#include "batch.h"

#include "source/bytesource.h"

#include <QDateTime>
#include <QDir>
#include <QFileInfo>

#include <cerrno>
#include <cstring>
#include <fcntl.h>
#include <unistd.h>

namespace auditlens::receiver {

std::vector<std::string> journalFiles(const std::string &dir, bool withDuplicates)
{
    QStringList names = QDir(QString::fromStdString(dir)).entryList({QStringLiteral("*.ndjson")}, QDir::Files, QDir::Name);
    std::vector<std::string> out;
    for (const QString &n : names) {
        if (!withDuplicates && n.startsWith(QStringLiteral("duplicates-")))
            continue;
        out.push_back(dir + "/" + n.toStdString());
    }
    return out;
}

Journal::Journal(std::string dir, qint64 fileBytes, JournalFault fault)
    : m_dir(std::move(dir)), m_fileBytes(fileBytes), m_fault(std::move(fault))
{
}

Journal::~Journal()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_dupFd >= 0)
        ::close(m_dupFd);
}

int Journal::fault(std::string_view op, size_t &bytes) const { return m_fault ? m_fault(op, bytes) : 0; }

bool Journal::open(IdWindow &ids, std::string &error)
{
    if (!QDir().mkpath(QString::fromStdString(m_dir))) {
        error = m_dir + ": cannot create the journal directory";
        return false;
    }
    // IDs already delivered (duplicates are recognised across restarts)
    for (const std::string &f : journalFiles(m_dir, true)) {
        std::string text, why;
        if (!readFileRange(f, 0, size_t(QFileInfo(QString::fromStdString(f)).size()), text, why))
            continue;
        // a record cut short (a crash or a full disk in the middle of a write) was never
        // acknowledged: it is cut, so that the next record does not get glued to it
        if (!text.empty() && text.back() != '\n') {
            const size_t keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
            if (::truncate(f.c_str(), off_t(keep)) == 0)
                text.resize(keep);
        }
        indexLines(text, [&](size_t, std::string_view, const IndexedRecord &ix) { ids.insert(IdKey::of(ix.id)); });
        const QString name = QFileInfo(QString::fromStdString(f)).fileName();
        const int seq = name.section(QLatin1Char('-'), -1).section(QLatin1Char('.'), 0, 0).toInt();
        m_seq = std::max(m_seq, seq);
    }
    return rotate(false, error);
}

bool Journal::rotate(bool duplicates, std::string &error)
{
    int &fd = duplicates ? m_dupFd : m_fd;
    qint64 &size = duplicates ? m_dupSize : m_size;
    bool &dirty = duplicates ? m_dupDirty : m_dirty;
    if (fd >= 0) {
        // what was written to the old file must be durable before it is left
        size_t none = 0;
        errno = fault("sync", none);
        if (dirty && (errno != 0 || ::fdatasync(fd) != 0)) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        dirty = false;
        ::close(fd);
        fd = -1;
    }
    ++m_seq;
    char name[64];
    std::snprintf(name, sizeof name, "%s-%013lld-%06d.ndjson", duplicates ? "duplicates" : "journal",
                  static_cast<long long>(QDateTime::currentMSecsSinceEpoch()), m_seq);
    const std::string path = m_dir + "/" + name;
    size_t none = 0;
    if (const int injected = fault("open", none)) {
        error = path + ": " + std::strerror(injected);
        return false;
    }
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    size = 0;
    (duplicates ? m_groupDupSize : m_groupSize) = 0;
    if (!duplicates)
        m_path = path;
    // make the new file's directory entry durable too
    const int dfd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

bool Journal::begin(std::string &error)
{
    // a group stays in one file, so that a failed group is cut from that file alone
    if (m_fd < 0 || m_size >= m_fileBytes)
        if (!rotate(false, error))
            return false;
    if (m_dupFd >= 0 && m_dupSize >= m_fileBytes)
        if (!rotate(true, error))
            return false;
    m_groupSize = m_size;
    m_groupDupSize = m_dupSize;
    m_groupFiles.clear();
    return true;
}

bool Journal::writeUnsplit(const std::string &bytes, std::string &name, std::string &error)
{
    char buf[64];
    std::snprintf(buf, sizeof buf, "unsplit-%013lld-%06d.txt", static_cast<long long>(QDateTime::currentMSecsSinceEpoch()), ++m_seq);
    name = buf;
    const std::string path = m_dir + "/" + name;
    size_t none = 0;
    int fd = -1;
    if (const int injected = fault("open", none))
        errno = injected;
    else
        fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    m_groupFiles.push_back(path);
    size_t done = 0;
    while (done < bytes.size()) {
        size_t n = bytes.size() - done;
        const int injected = fault("write", n);
        const ssize_t w = injected ? (errno = injected, -1) : ::write(fd, bytes.data() + done, std::min(n, bytes.size() - done));
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0) {
            error = std::string("journal write failed: ") + std::strerror(errno);
            ::close(fd);
            return false;
        }
        done += size_t(w);
    }
    errno = fault("sync", none);
    if (errno != 0 || ::fdatasync(fd) != 0) {
        error = std::string("journal sync failed: ") + std::strerror(errno);
        ::close(fd);
        return false;
    }
    ::close(fd);
    const int dfd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

bool Journal::write(const std::string &bytes, bool duplicates, std::string &error)
{
    int &fd = duplicates ? m_dupFd : m_fd;
    qint64 &size = duplicates ? m_dupSize : m_size;
    if (fd < 0 && !rotate(duplicates, error))
        return false;
    size_t done = 0;
    while (done < bytes.size()) {
        size_t n = bytes.size() - done;
        const int injected = fault("write", n);
        const ssize_t w = injected ? (errno = injected, -1) : ::write(fd, bytes.data() + done, std::min(n, bytes.size() - done));
        if (w < 0) {
            if (errno == EINTR)
                continue;
            error = std::string("journal write failed: ") + std::strerror(errno);
            size += qint64(done);
            (duplicates ? m_dupDirty : m_dirty) = true;
            return false;
        }
        done += size_t(w);
    }
    size += qint64(bytes.size());
    (duplicates ? m_dupDirty : m_dirty) = true;
    return true;
}

bool Journal::sync(std::string &error)
{
    for (auto [fd, dirty] : {std::pair{m_fd, &m_dirty}, std::pair{m_dupFd, &m_dupDirty}}) {
        if (!*dirty || fd < 0)
            continue;
        size_t none = 0;
        errno = fault("sync", none);
        if (errno != 0 || ::fdatasync(fd) != 0) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        *dirty = false;
    }
    m_groupSize = m_size;
    m_groupDupSize = m_dupSize;
    return true;
}

void Journal::rollback()
{
    for (const std::string &f : m_groupFiles)
        ::unlink(f.c_str());
    m_groupFiles.clear();
    // the files end where the group began: whole records only (a partial line written by a
    // full disk would otherwise glue the next record to it)
    for (auto [fd, size, keep] : {std::tuple{m_fd, &m_size, m_groupSize}, std::tuple{m_dupFd, &m_dupSize, m_groupDupSize}}) {
        if (fd < 0 || *size == keep)
            continue;
        if (::ftruncate(fd, off_t(keep)) == 0)
            *size = keep;
        else
            *size = qint64(::lseek(fd, 0, SEEK_END)); // open() cuts a partial record at the next start
    }
}

} // namespace auditlens::receiver
