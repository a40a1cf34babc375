// SPDX-License-Identifier: MIT
#pragma once

#include "idwindow.h"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace auditlens::receiver {

/// A fault-injection seam for the journal's system calls (tests): called before each write
/// ("write", may shorten `bytes` to make the write partial), fdatasync ("sync") and file
/// creation ("open"). Returns 0 to go ahead, or an errno value the call then fails with.
using JournalFault = std::function<int(std::string_view op, size_t &bytes)>;

/// Appends batches to files in a directory, a group of batches at a time: begin(), write()…,
/// sync() makes the group durable (fdatasync); after a failed write or sync, rollback() cuts
/// the files back to where the group began, so that the journal holds whole records only.
/// The directory is readable as a source; duplicate records go to duplicates-*.ndjson, which
/// directory expansion leaves out by default.
class Journal
{
public:
    explicit Journal(std::string dir, qint64 fileBytes = 256LL << 20, JournalFault fault = {});
    ~Journal();
    /// Creates the directory, cuts a record left partial by a crash or a full disk at the end
    /// of a file, and reads the IDs already in it into `ids`.
    bool open(IdWindow &ids, std::string &error);
    /// Starts a group: a full file is left for a new one; where the group begins is remembered.
    bool begin(std::string &error);
    /// Appends (not yet durable: see sync). False + error when the write failed.
    bool write(const std::string &bytes, bool duplicates, std::string &error);
    /// Writes a batch that could not be split into records, as it came, to a file of its own
    /// (unsplit-*.txt, left out when the directory is read as a source), synced; `name` is its
    /// file name. Part of the group: rollback() removes it.
    bool writeUnsplit(const std::string &bytes, std::string &name, std::string &error);
    /// fdatasync of what was written since begin().
    bool sync(std::string &error);
    /// Cuts what the group wrote (after a failed write or sync): the files end where it began.
    void rollback();
    /// The journal file being appended to (its path) and its size: after sync(), and after
    /// open(), everything up to there (and every file before it) is on disk.
    const std::string &currentFile() const { return m_path; }
    qint64 size() const { return m_size; }

private:
    bool rotate(bool duplicates, std::string &error);
    int fault(std::string_view op, size_t &bytes) const;
    std::string m_dir;
    qint64 m_fileBytes;
    JournalFault m_fault;
    std::string m_path; ///< of m_fd
    int m_fd = -1, m_dupFd = -1;
    qint64 m_size = 0, m_dupSize = 0;
    qint64 m_groupSize = 0, m_groupDupSize = 0; ///< file sizes at begin()
    std::vector<std::string> m_groupFiles; ///< unsplit files written since begin()
    int m_seq = 0;
    bool m_dirty = false, m_dupDirty = false;
};

/// The files of a journal directory in write order (duplicates-*.ndjson left out unless asked).
std::vector<std::string> journalFiles(const std::string &dir, bool withDuplicates = false);

} // namespace auditlens::receiver
