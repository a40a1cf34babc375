// SPDX-License-Identifier: MIT
#include "conformance.h"

#include "engine.h"
#include "normalizer.h"

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
        QStringList tests = QDir(intake + QStringLiteral("/tests")).entryList({QStringLiteral("*.json")}, QDir::Files, QDir::Name);
        std::string perr;
        auto parser = IntakeParser::load(intake.toStdString(), perr);
        for (const QString &t : tests) {
            IntakeTestResult r;
            r.intake = name;
            r.test = t.toStdString();
            if (!parser) {
                r.problem = "parser does not load: " + perr;
                results.push_back(r);
                continue;
            }
            QFile f(intake + QStringLiteral("/tests/") + t);
            if (!f.open(QIODevice::ReadOnly)) {
                r.problem = "cannot read the test file";
                results.push_back(r);
                continue;
            }
            const auto doc = nlohmann::json::parse(f.readAll().toStdString(), nullptr, false);
            if (doc.is_discarded() || !doc.contains("input") || !doc.contains("expected")) {
                r.problem = "not a test file (input/expected)";
                results.push_back(r);
                continue;
            }
            const auto &msg = doc["input"].value("message", nlohmann::json());
            const auto n = normalizeRecord(*parser, msg.is_string() ? msg.get<std::string>() : msg.dump());
            if (!n.ok) {
                r.problem = "record rejected: " + n.error;
                results.push_back(r);
                continue;
            }
            auto got = canonical(nlohmann::json::parse(n.result.event.dump()));
            auto exp = canonical(doc["expected"]);
            got.erase("message");
            exp.erase("message");
            r.passed = got == exp;
            if (!r.passed)
                r.problem = nlohmann::json::diff(exp, got).dump();
            results.push_back(r);
        }
    }
    return true;
}

} // namespace auditlens::intake
