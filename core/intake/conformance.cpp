// SPDX-License-Identifier: MIT
#include "conformance.h"

#include "engine.h"

#include <QDir>
#include <QDirIterator>
#include <QFile>

#include <nlohmann/json.hpp>

#include <algorithm>

namespace auditlens::intake {

namespace {

/// Python's order for the values the harness sorts: numbers by value, strings by code point
/// (UTF-8 bytes compare the same), lists lexicographically. Python refuses to compare other
/// mixes (the harness's test then errors); those get a fixed order by kind here.
bool pyLess(const nlohmann::json &a, const nlohmann::json &b)
{
    const bool an = a.is_number() || a.is_boolean(), bn = b.is_number() || b.is_boolean();
    if (an && bn) {
        if (a.is_number_integer() && b.is_number_integer())
            return a.get<int64_t>() < b.get<int64_t>();
        const auto num = [](const nlohmann::json &v) { return v.is_boolean() ? (v.get<bool>() ? 1.0 : 0.0) : v.get<double>(); };
        return num(a) < num(b);
    }
    if (a.is_string() && b.is_string())
        return a.get_ref<const std::string &>() < b.get_ref<const std::string &>();
    if (a.is_array() && b.is_array())
        return std::lexicographical_compare(a.begin(), a.end(), b.begin(), b.end(), pyLess);
    if (a.type() != b.type())
        return a.type() < b.type();
    return a.dump() < b.dump();
}

/// `a.keys() < b.keys()` in Python: a proper subset.
bool keysLess(const nlohmann::json &a, const nlohmann::json &b)
{
    if (!a.is_object() || !b.is_object() || a.size() >= b.size())
        return false;
    for (auto it = a.begin(); it != a.end(); ++it)
        if (!b.contains(it.key()))
            return false;
    return true;
}

/// CPython's list.sort for lists shorter than 64 (one run: count_run, then binary insertion),
/// which is what decides the order when `less` is only a partial order (subsets of keys).
void cpythonSort(std::vector<nlohmann::json> &v, bool (*less)(const nlohmann::json &, const nlohmann::json &))
{
    const size_t n = v.size();
    if (n < 2)
        return;
    size_t run = 2;
    if (less(v[1], v[0])) {
        while (run < n && less(v[run], v[run - 1]))
            ++run;
        std::reverse(v.begin(), v.begin() + std::ptrdiff_t(run));
    } else {
        while (run < n && !less(v[run], v[run - 1]))
            ++run;
    }
    for (size_t start = run; start < n; ++start) {
        size_t l = 0, r = start;
        nlohmann::json pivot = std::move(v[start]);
        do {
            const size_t p = l + ((r - l) >> 1);
            if (less(pivot, v[p]))
                r = p;
            else
                l = p + 1;
        } while (l < r);
        for (size_t k = start; k > l; --k)
            v[k] = std::move(v[k - 1]);
        v[l] = std::move(pivot);
    }
}

} // namespace

nlohmann::json harnessOrder(nlohmann::json j)
{
    if (j.is_object()) {
        for (auto &[k, v] : j.items())
            v = harnessOrder(v);
    } else if (j.is_array() && !j.empty()) {
        std::vector<nlohmann::json> items(std::make_move_iterator(j.begin()), std::make_move_iterator(j.end()));
        if (items.front().is_object()) {
            // a list of dicts is ordered by its members' key sets, and not sorted inside
            if (items.size() < 64)
                cpythonSort(items, keysLess);
            else
                std::stable_sort(items.begin(), items.end(), [](const nlohmann::json &a, const nlohmann::json &b) { return keysLess(a, b); });
        } else {
            for (auto &e : items)
                e = harnessOrder(std::move(e));
            std::stable_sort(items.begin(), items.end(), pyLess);
        }
        j = nlohmann::json(std::move(items));
    }
    return j;
}

namespace {

/// One test file through `parser` (nullptr: it did not load, `loadError` says why).
void runOne(const IntakeParser *parser, const std::string &loadError, const QString &path, IntakeTestResult &r, bool explain)
{
    if (!parser) {
        r.problem = "parser does not load: " + loadError;
        return;
    }
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly)) {
        r.problem = "cannot read the test file";
        return;
    }
    const auto doc = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
    if (doc.is_discarded() || !doc.is_object() || !doc.contains("input") || !doc.contains("expected")) {
        r.problem = "not a test file (input/expected)";
        return;
    }
    // the message is any text: the parser decides how to read it
    const Json input = Json::parse(doc["input"].dump());
    const NormalizeResult n = parser->runEnvelope(input.is_object() ? input : Json::object({{"message", input}}), explain);
    auto got = harnessOrder(nlohmann::json::parse(n.event.dump()));
    auto exp = harnessOrder(doc["expected"]);
    if (got.is_object())
        got.erase("message");
    if (exp.is_object())
        exp.erase("message");
    r.passed = got == exp;
    if (!r.passed) {
        r.problem = nlohmann::json::diff(exp, got).dump();
        if (explain) {
            r.issues = parser->warnings();
            for (const RunIssue &i : n.issues)
                r.issues.push_back(i.stage + (i.action >= 0 ? "[" + std::to_string(i.action + 1) + "]" : std::string())
                                   + (i.field.empty() ? std::string() : " " + i.field) + ": " + i.message);
        }
    }
}

} // namespace

bool runIntakeTests(const std::string &dir, std::vector<IntakeTestResult> &results, std::string &error, bool explain)
{
    const QString root = QString::fromStdString(dir);
    if (!QDir(root).exists()) {
        error = dir + ": no such directory";
        return false;
    }
    QStringList intakes;
    if (QFile::exists(root + QStringLiteral("/ingest/parser.yml")))
        intakes << root;
    QDirIterator it(root, {QStringLiteral("parser.yml")}, QDir::Files, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        const QString p = it.next();
        if (p.endsWith(QStringLiteral("/ingest/parser.yml"))) {
            const QString intake = p.chopped(int(qstrlen("/ingest/parser.yml")));
            if (!intakes.contains(intake))
                intakes << intake;
        }
    }
    intakes.sort();
    if (intakes.isEmpty()) {
        error = dir + ": no intake here (no ingest/parser.yml below it)";
        return false;
    }
    for (const QString &intake : intakes) {
        const std::string name = QDir(intake).dirName().toStdString();
        const QStringList tests = QDir(intake + QStringLiteral("/tests")).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
        std::string perr;
        std::shared_ptr<const IntakeParser> parser;
        try {
            parser = IntakeParser::load(intake.toStdString(), perr);
        } catch (const std::exception &e) { // load() does not throw; a last guard so one intake never stops the run
            parser.reset();
            perr = intake.toStdString() + ": " + e.what();
        }
        for (const QString &t : tests) {
            IntakeTestResult r;
            r.intake = name;
            r.test = t.toStdString();
            try {
                runOne(parser.get(), perr, intake + QStringLiteral("/tests/") + t, r, explain);
            } catch (const std::exception &e) {
                r.passed = false;
                r.problem = std::string("the test stopped: ") + e.what();
            }
            results.push_back(std::move(r));
        }
    }
    return true;
}

} // namespace auditlens::intake
