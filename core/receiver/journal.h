// SPDX-License-Identifier: MIT
#pragma once

#include "idwindow.h"

#include <string>
#include <vector>

namespace auditlens::receiver {

/// Appends batches to files in a directory; sync() makes what was written durable (fdatasync).
/// The directory is readable as a source; duplicate records go to duplicates-*.ndjson, which
/// directory expansion leaves out by default.
class Journal
{
public:
    explicit Journal(std::string dir, qint64 fileBytes = 256LL << 20);
    ~Journal();
    /// Creates the directory and reads the IDs already in it into `ids`.
    bool open(IdWindow &ids, std::string &error);
    /// Appends (not yet durable: see sync). False + error when the write failed.
    bool write(const std::string &bytes, bool duplicates, std::string &error);
    /// fdatasync of what was written since the last sync.
    bool sync(std::string &error);

private:
    bool rotate(bool duplicates, std::string &error);
    std::string m_dir;
    qint64 m_fileBytes;
    int m_fd = -1, m_dupFd = -1;
    qint64 m_size = 0, m_dupSize = 0;
    int m_seq = 0;
    bool m_dirty = false, m_dupDirty = false;
};

/// The files of a journal directory in write order (duplicates-*.ndjson left out unless asked).
std::vector<std::string> journalFiles(const std::string &dir, bool withDuplicates = false);

} // namespace auditlens::receiver
