// SPDX-License-Identifier: MIT
#pragma once

// Forwarding into the ClickHouse trail for `receive --forward-clickhouse` and `fetch
// --clickhouse` (implemented in cli_clickhouse.cpp): the options, a Forwarder on its own
// thread (so the receiver's answers never wait for it), and its log lines on stderr.

#include "cli_args.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace auditlens::cli {

class ClickhouseForwarding
{
public:
    /// The valued options it reads beside the URL option.
    static std::vector<std::string> options(const std::string &urlOption);
    /// The help lines of those options.
    static const char *help();

    ClickhouseForwarding();
    ~ClickhouseForwarding();

    /// Reads the options (URL, --database, --table, --password-file; CLICKHOUSE_USER and
    /// CLICKHOUSE_PASSWORD) and, with a journal, its checkpoint. `cmd` names the command in
    /// messages. `fetchMode`: give up on a refusal (credentials, missing table) and after
    /// ClickHouse failed `retryForSeconds` in a row; else retry until stopped. False after
    /// printing why.
    bool setup(const Args &a, const std::string &cmd, const std::string &urlOption, const std::string &journalDir,
               bool fetchMode, uint64_t retryForSeconds = 300);
    bool enabled() const;
    /// Called (on the main thread) when the forwarding gives up before finish().
    void onGaveUp(std::function<void(const std::string &error)> f);
    /// Starts the forwarder on its thread.
    void start();
    /// The journal writer's word (any thread): on disk up to `bytes` of `file`.
    void journalSynced(const std::string &file, int64_t bytes);
    /// Everything in the journal now is on disk (the writer is between writes).
    void journalSettled();
    /// Records in memory (no journal), one a line.
    void add(std::string label, std::string ndjson, uint64_t records);
    /// "forwarded N records to T on URL, behind by M" on stderr.
    void printStatus() const;
    /// Forwards what is left, waiting at most `waitMs` (0: as long as it takes, until it gives
    /// up); then stops. True when nothing is left behind.
    bool finish(int waitMs);
    /// finish() stops waiting now (a second SIGINT).
    void abort();

private:
    struct Impl;
    std::unique_ptr<Impl> d;
};

} // namespace auditlens::cli
