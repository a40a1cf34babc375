// SPDX-License-Identifier: MIT
#pragma once

#include "job.h"

#include <set>
#include <string>
#include <vector>

namespace auditlens::logpush {

/// A change to an existing job: each member that is set replaces that one option, everything
/// else stays as the API returned it. `reset` names output options to take back to Cloudflare's
/// default (the key is left out of output_options).
struct JobEdit
{
    std::optional<std::string> name, destinationConf, frequency, filter, ownershipChallenge, kind;
    std::optional<bool> enabled, filterAttackTraffic;
    std::optional<int64_t> maxUploadBytes, maxUploadRecords, maxUploadIntervalSeconds;
    // output_options (and, for jobs set up with logpull_options, their logpull equivalents)
    std::optional<std::vector<std::string>> fieldNames;
    std::optional<std::string> outputType, timestampFormat, batchPrefix, batchSuffix, recordPrefix, recordSuffix,
        recordDelimiter, fieldDelimiter, recordTemplate;
    std::optional<double> sampleRate;
    std::optional<bool> cve202144228, mergeSubrequests;
    std::set<std::string> reset;
    /// Move a logpull_options job to output_options (only when the user asks for it).
    bool toOutputOptions = false;

    bool isEmpty() const;
    bool touchesOutput() const;
};

/// The names (as validate() reports them: "name", "output_options.field_names", …) of the job
/// fields an edit sets. A job read from the API may hold values Auditlens would not accept
/// (a field it does not know yet): only the edited ones are the user's to fix.
std::set<std::string> editedFields(const JobEdit &edit);

/// The edit that turns `before` into `after`, option by option (the GUI: the form as it was
/// filled from the job, and the form now).
JobEdit diffJobs(const Job &before, const Job &after);

/// What an update sends.
struct UpdatePlan
{
    Json body;                      ///< the complete job for PUT
    std::vector<std::string> notes; ///< what was done that the user should know (conversion, …)
    std::string error;              ///< non-empty: the edit cannot be applied (nothing to send)
};

/// Read-modify-write: `current` is the job as GET returned it. The body is the complete job
/// (read-only fields left out, unknown fields kept) with `edit` applied; Cloudflare replaces
/// output_options whole on PUT, so the complete object is sent. A job set up with
/// logpull_options keeps it: fields, timestamps, sample rate and CVE-2021-44228 are changed in
/// that string; an option only output_options has is refused unless `toOutputOptions`.
UpdatePlan planUpdate(const Json &current, const JobEdit &edit);

/// Fields of a job object that the API sets and an update must not send.
bool isReadOnlyJobField(const std::string &key);

} // namespace auditlens::logpush
