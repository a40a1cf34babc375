// SPDX-License-Identifier: MIT
#pragma once

#include "jinja.h"
#include "taxonomy.h"

#include <memory>
#include <string>
#include <vector>

namespace auditlens::intake {

/// How an output field was made.
enum class ProvenanceKind {
    Input,      ///< the raw record itself (`message`)
    Set,        ///< a `set` action
    Translate,  ///< a `translate` action
    Enrichment, ///< the rules run after the parser (related.*, *.address, url.*…)
};
/// "input", "set", "translate", "enrichment".
const char *provenanceKindName(ProvenanceKind kind);

/// Where an output field came from.
struct FieldProvenance
{
    std::string field;                  ///< dotted output path, e.g. "source.ip"
    std::string stage;                  ///< pipeline entry / stage name, or "enrichment"
    int action = -1;                    ///< index of the action in its stage (-1: not an action)
    ProvenanceKind kind = ProvenanceKind::Set;
    std::string expression;             ///< the value as written in the parser
    std::vector<std::string> reads;     ///< variable paths the expression read
    std::vector<std::string> rawFields; ///< raw record paths these resolve to ("ActorIP", "Metadata.zone_name")
    std::vector<std::string> via;       ///< external stages the value went through ("actor_ip (grok.match)")
    bool typed = false;                 ///< typing changed the value
    std::string note;                   ///< e.g. "scalar wrapped in a list", "address from source.ip"
};

/// One line saying where a field came from: `input`, `enrichment (from: a b) [note]` or
/// `stage[2] set {{expr}} (raw: A via x (grok.match)) [typed: note]`. `--explain` prints it after
/// the value; the GUI shows it as the field's tooltip.
std::string describeProvenance(const FieldProvenance &p);

/// A problem met while running a parser on a record (not fatal: the field is left unset).
struct RunIssue
{
    std::string stage;
    int action = -1;
    std::string field;
    std::string message;
};

struct NormalizeResult
{
    Json event;                              ///< the ECS record (includes `message`)
    std::vector<FieldProvenance> provenance; ///< filled when asked for
    std::vector<RunIssue> issues;            ///< evaluation problems (when asked for)
};

/// A compiled intake parser (Sekoia.io intake language: parser.yml + _meta/fields.yml).
/// Thread-safe for concurrent run() calls once loaded.
class IntakeParser
{
public:
    ~IntakeParser();

    /// Loads a parser from an intake directory (with ingest/parser.yml and _meta/fields.yml; the
    /// module's _meta/fields.yml one folder up is read too when there is one), a
    /// parser.yml path, or a directory holding parser.yml. nullptr + errors on failure; compile
    /// problems that only disable one action are returned in `warnings()`.
    static std::shared_ptr<const IntakeParser> load(const std::string &path, std::string &error);
    /// Our built-in parser for Cloudflare audit logs (embedded resource).
    static std::shared_ptr<const IntakeParser> builtin();
    /// From text (tests). `moduleFieldsYaml`: the module's own fields.yml (the folder above the
    /// intake's `_meta/fields.yml`), whose declarations the intake's override.
    static std::shared_ptr<const IntakeParser> fromText(const std::string &parserYaml, const std::string &fieldsYaml,
                                                        const std::string &label, std::string &error,
                                                        const std::string &moduleFieldsYaml = std::string());

    /// Runs the parser on one raw record. `parsed`, when given, is the raw record already
    /// parsed as JSON (saves json.parse-json the work); it is taken over (moved from, not copied).
    NormalizeResult run(const std::string &raw, bool explain = false, Json *parsed = nullptr) const;
    /// Runs the parser on a Sekoia.io event envelope (`{"message": "…", "log": {…}, …}`, as
    /// intake tests give it): `original` is the whole envelope, and its members other than
    /// `message`, `event` and `sekoiaio` are carried into the event. The message may be any text.
    NormalizeResult runEnvelope(const Json &envelope, bool explain = false) const;

    /// The top-level keys of the raw record that the parser can observe (nullptr: all of
    /// them). Lets callers skip building the rest.
    const std::vector<std::string> *usedRawKeys() const;

    const std::string &name() const;
    const std::string &label() const;
    const std::vector<std::string> &warnings() const;
    const Taxonomy &taxonomy() const;

    struct Impl; ///< internal

private:
    IntakeParser();
    NormalizeResult runWith(const std::string &raw, const Json *envelope, bool explain, Json *parsed) const;
    std::unique_ptr<Impl> d;
};

/// Converts a value to a declared field type. Returns undefined when the value must be dropped
/// (e.g. an invalid IP). `note` says what changed.
Json typeValue(const Json &v, const FieldInfo &info, std::string *note = nullptr);

/// Sets a dotted field in a nested object (creating parents).
void setPath(Json &root, const std::string &path, Json value);
/// The value at a dotted path, or nullptr.
const Json *findPath(const Json &root, const std::string &path);
/// Removes a dotted field (and parents left empty). True when something was removed.
bool erasePath(Json &root, const std::string &path);
/// All leaf paths of a nested object (arrays are leaves), in order.
void leafPaths(const Json &v, const std::string &prefix, std::vector<std::string> &out);

} // namespace auditlens::intake
