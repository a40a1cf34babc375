// SPDX-License-Identifier: MIT
#pragma once

// Where a fetch into a journal directory stands, so that a rerun or --follow resumes after a
// kill without a duplicate: kept in the journal directory as `.fetch-checkpoint.json` (hidden:
// the readers, GUI Open and the CLI's journal expansion never take it for a log file),
// replaced atomically after each page is on disk.

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace auditlens::fetch {

struct Checkpoint
{
    std::string key;                      ///< Query::key()
    int64_t coveredFromNs = 0;            ///< every record from here ...
    int64_t lastNs = INT64_MIN;           ///< ... to here (the newest record's time) is in the journal
    std::vector<std::string> boundaryIds; ///< IDs of the records at lastNs (`since` is inclusive)
    // the range being fetched when the checkpoint was written, to go on with its cursor
    int64_t rangeSinceNs = 0, rangeBeforeNs = 0;
    int perPage = 0;
    std::string cursor;                   ///< v2: the next page's cursor; empty: range done
    int nextPage = 0;                     ///< v1: the next page number (informational)
    bool complete = false;                ///< the range was fetched to its end
    bool hasRecords() const { return lastNs != INT64_MIN; }
};

/// The checkpoints of one journal directory, by query key.
class CheckpointFile
{
public:
    explicit CheckpointFile(std::string dir) : m_dir(std::move(dir)) {}
    /// Reads the file (absent: no checkpoint). False + error when it exists but is unreadable.
    bool load(std::string &error);
    const Checkpoint *find(const std::string &key) const;
    /// Stores `cp` (replacing the one with its key) and writes the file atomically and durably.
    bool save(const Checkpoint &cp, std::string &error);
    std::string path() const;

private:
    std::string m_dir;
    std::map<std::string, Checkpoint> m_all;
};

/// Cuts a record torn by a kill in the middle of a write off the end of the journal's files
/// (it was never checkpointed, so it is fetched again). Returns how many bytes were cut.
size_t repairJournalTails(const std::string &dir, std::string &error);

} // namespace auditlens::fetch
