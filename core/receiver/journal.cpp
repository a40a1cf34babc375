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

Journal::Journal(std::string dir, qint64 fileBytes) : m_dir(std::move(dir)), m_fileBytes(fileBytes) {}

Journal::~Journal()
{
    if (m_fd >= 0)
        ::close(m_fd);
    if (m_dupFd >= 0)
        ::close(m_dupFd);
}

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
        if (dirty && ::fdatasync(fd) != 0) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        dirty = false;
        ::close(fd);
    }
    ++m_seq;
    char name[64];
    std::snprintf(name, sizeof name, "%s-%013lld-%06d.ndjson", duplicates ? "duplicates" : "journal",
                  static_cast<long long>(QDateTime::currentMSecsSinceEpoch()), m_seq);
    const std::string path = m_dir + "/" + name;
    fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (fd < 0) {
        error = path + ": " + std::strerror(errno);
        return false;
    }
    size = 0;
    // make the new file's directory entry durable too
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
    if (fd < 0 || size >= m_fileBytes)
        if (!rotate(duplicates, error))
            return false;
    size_t done = 0;
    while (done < bytes.size()) {
        const ssize_t w = ::write(fd, bytes.data() + done, bytes.size() - done);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            error = std::string("journal write failed: ") + std::strerror(errno);
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
        if (!*dirty)
            continue;
        if (::fdatasync(fd) != 0) {
            error = std::string("journal sync failed: ") + std::strerror(errno);
            return false;
        }
        *dirty = false;
    }
    return true;
}

} // namespace auditlens::receiver
