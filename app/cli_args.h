// SPDX-License-Identifier: MIT
#pragma once

// What every auditlens-cli subcommand shares: one argument parser, secret files, parser loading.

#include "intake/engine.h"

#include <map>
#include <optional>
#include <memory>
#include <string>
#include <vector>

namespace auditlens::cli {

struct Args
{
    std::vector<std::string> inputs;          ///< words that are not options ("-" included)
    std::map<std::string, std::string> opts;  ///< option -> value ("1" for flags)
    bool help = false;
    std::string error;                        ///< empty when the arguments are well formed
    bool has(const std::string &o) const { return opts.count(o) > 0; }
    std::string value(const std::string &o, const std::string &dflt = {}) const
    {
        auto it = opts.find(o);
        return it == opts.end() ? dflt : it->second;
    }
};

/// Parses `--opt VALUE`, `--opt=VALUE`, flags, `--help`/`-h`, `--` and inputs. Options not in
/// `valued` or `flags` are an error.
Args parseArgs(const std::vector<std::string> &args, const std::vector<std::string> &valued,
               const std::vector<std::string> &flags = {});

/// A whole number option (absent: `dflt`); false when present but not a number in [lo, hi].
bool numberOption(const Args &a, const std::string &name, uint64_t &out, uint64_t lo, uint64_t hi);

/// The non-empty items of a comma-separated list ("a,,b" gives a, b).
std::vector<std::string> splitComma(const std::string &s);

/// The first line of a file holding a secret (token, key), trimmed. False + error when unreadable.
bool readSecretFile(const std::string &path, std::string &out, std::string &error);

/// What every subcommand checks first. `--help` prints `help` on stdout (exit 0); a malformed
/// command line is reported on stderr as "auditlens-cli COMMAND: WHY (see --help)", fewer than
/// `minWords` or more than `maxWords` words as "auditlens-cli COMMAND: " + tooFew / tooMany
/// (exit 2). Empty: the command goes on.
struct Usage
{
    const char *command;
    const char *help;
    size_t minWords = 0;
    size_t maxWords = SIZE_MAX;
    const char *tooFew = "no INPUT given (use '-' for stdin; see --help)";
    const char *tooMany = "unexpected argument (see --help)";
};
std::optional<int> usageExit(const Args &a, const Usage &u);

/// For a query that matched nothing, on stderr as `cmd`: each field it names that no record has
/// (query::absentFields), so that a misspelt name is not taken for "no such record".
void noteAbsentFields(const char *cmd, const std::vector<std::string> &fields);

/// The parser of `--parser PATH`, or the built-in one; nullptr after printing why (as `cmd`).
std::shared_ptr<const intake::IntakeParser> loadParser(const std::string &path, const char *cmd);

} // namespace auditlens::cli
