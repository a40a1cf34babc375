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

nlohmann::json canonical(nlohmann::json j)
{
    if (j.is_object()) {
        for (auto &[k, v] : j.items())
            v = canonical(v);
    } else if (j.is_array()) {
        bool scalars = true;
        for (auto &e : j) {
            e = canonical(e);
            scalars = scalars && !e.is_object() && !e.is_array();
        }
        if (scalars)
            std::sort(j.begin(), j.end(), [](const nlohmann::json &a, const nlohmann::json &b) { return a.dump() < b.dump(); });
    }
    return j;
}


/// One test file through `parser` (nullptr: it did not load, `loadError` says why).
void runOne(const IntakeParser *parser, const std::string &loadError, const QString &path, IntakeTestResult &r)
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
    const NormalizeResult n = parser->runEnvelope(input.is_object() ? input : Json::object({{"message", input}}));
    auto got = canonical(nlohmann::json::parse(n.event.dump()));
    auto exp = canonical(doc["expected"]);
    if (got.is_object())
        got.erase("message");
    if (exp.is_object())
        exp.erase("message");
    r.passed = got == exp;
    if (!r.passed)
        r.problem = nlohmann::json::diff(exp, got).dump();
}

} // namespace

bool runIntakeTests(const std::string &dir, std::vector<IntakeTestResult> &results, std::string &error)
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
                runOne(parser.get(), perr, intake + QStringLiteral("/tests/") + t, r);
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
