// SPDX-License-Identifier: MIT
#pragma once

#include <nlohmann/json.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace auditlens::logpush {

using Json = nlohmann::ordered_json;

enum class Scope { Account, Zone };

/// The `output_options` object (structured replacement for logpull_options).
struct OutputOptions
{
    std::vector<std::string> fieldNames;
    std::optional<std::string> outputType;      ///< ndjson | csv
    std::optional<std::string> timestampFormat; ///< unixnano | unix | rfc3339 | rfc3339ms | rfc3339ns
    std::optional<double> sampleRate;           ///< 0 < x <= 1
    std::optional<bool> cve202144228;
    std::optional<std::string> batchPrefix, batchSuffix, recordPrefix, recordSuffix, recordDelimiter, fieldDelimiter,
        recordTemplate;
    std::optional<bool> mergeSubrequests;
    Json extra = Json::object(); ///< keys Auditlens does not know, kept as the API sent them
    bool isEmpty() const;
};

/// A Logpush job: every field of the API's job object (FACTS.md §2). Unset optionals are left
/// out of request bodies.
struct Job
{
    std::optional<int64_t> id;
    std::optional<std::string> name;
    std::optional<std::string> dataset;
    std::optional<std::string> destinationConf;
    std::optional<bool> enabled;
    std::optional<std::string> kind;
    std::optional<std::string> frequency;      ///< deprecated
    std::optional<std::string> logpullOptions; ///< deprecated
    std::optional<OutputOptions> outputOptions;
    std::optional<std::string> filter; ///< JSON text {"where": …}
    std::optional<bool> filterAttackTraffic;
    std::optional<int64_t> maxUploadBytes, maxUploadRecords, maxUploadIntervalSeconds;
    std::optional<std::string> ownershipChallenge;
    // read-only, from responses
    std::optional<std::string> lastComplete, lastError, errorMessage;
    /// Fields Auditlens does not know (newer API versions), kept as the API sent them and sent
    /// back on update.
    Json extra = Json::object();

    /// The request body for create / update (`forUpdate` leaves out what cannot change).
    Json toBody(bool forUpdate = false) const;
    static Job fromJson(const Json &j);
};

/// A problem with one field, in words a person understands.
struct FieldError
{
    std::string field;
    std::string message;
    bool warning = false; ///< said, but does not stop the request (e.g. a destination Auditlens cannot check)
};
/// True when one of them is an error (not only warnings).
bool hasErrors(const std::vector<FieldError> &problems);

/// Checks every field: dataset name and its scope, IDs, name pattern, destination syntax per
/// scheme (with header_* parameters), upload limits, field names of the dataset, sample rate,
/// filter structure and operators. `forUpdate`: destination_conf is not required.
/// `knownFields`: the dataset's fields as the API listed them (else Auditlens' built-in list).
std::vector<FieldError> validate(const Job &job, Scope scope, const std::string &scopeId, bool forUpdate = false,
                                 const std::vector<std::string> *knownFields = nullptr);

/// Checks a 32-hex Cloudflare ID; empty string when valid, else the reason.
std::string checkId(const std::string &id, const char *what);
/// Checks a filter's JSON text; empty when valid.
std::string checkFilter(const std::string &filter);

/// Known datasets and whether each is account- or zone-scoped (both for a few).
struct DatasetInfo
{
    std::string name;
    bool account = false;
    bool zone = false;
};
const std::vector<DatasetInfo> &datasets();
const DatasetInfo *findDataset(const std::string &name);
/// Built-in field list of a dataset (empty when Auditlens does not know it; the API can tell).
std::vector<std::string> builtinFields(const std::string &dataset);

/// The Sekoia.io intake destination for an intake key.
std::string sekoiaDestination(const std::string &intakeKey);
/// The seed's job: dataset audit_logs, the 15 fields, rfc3339, 5,000,000 bytes / 1,000 records.
Job sekoiaPreset(const std::string &intakeKey);
/// A destination for an Auditlens receiver: its public URL plus the secret header.
std::string receiverDestination(const std::string &url, const std::string &headerName, const std::string &secret);

/// The logpull_options query string for the fields, timestamps, sample rate and CVE flag of
/// `o` (the deprecated form Sekoia.io's documentation uses): "fields=A,B&timestamps=rfc3339".
std::string logpullFrom(const OutputOptions &o);
/// The output_options a logpull_options string stands for; parameters it cannot carry over are
/// named in `unknown`.
OutputOptions outputOptionsFromLogpull(const std::string &logpull, std::vector<std::string> *unknown = nullptr);

/// Framing text as typed on a command line or in the form: \n, \r, \t and \\ stand for a
/// line feed, a carriage return, a tab and a backslash. `escapeText` is the inverse.
std::string unescapeText(const std::string &typed);
std::string escapeText(const std::string &text);

/// Splits "A,B,C" into names (empty parts dropped).
std::vector<std::string> splitFields(const std::string &commaList);

} // namespace auditlens::logpush
