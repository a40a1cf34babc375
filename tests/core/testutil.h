// SPDX-License-Identifier: MIT
#pragma once

#include "receiver/sender.h"
#include "source/reader.h"

#include <QDir>
#include <QFile>
#include <QTest>


#include <string>
#include <vector>

namespace testutil {

inline std::string readFile(const QString &path)
{
    QFile f(path);
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return f.readAll().toStdString();
}

inline QString dataPath(const char *rel) { return QStringLiteral(AUDITLENS_TEST_DATA "/") + QString::fromLatin1(rel); }

/// ../shared, or an empty string (the caller says so clearly; with AUDITLENS_REQUIRE_SHARED=1
/// the test fails instead of skipping).
inline QString sharedDir()
{
    const QString dir = QStringLiteral(AUDITLENS_SHARED_DIR);
    return QDir(dir).exists() ? QDir(dir).absolutePath() : QString();
}

#define REQUIRE_SHARED(dirVar)                                                                           \
    const QString dirVar = testutil::sharedDir();                                                        \
    if (dirVar.isEmpty()) {                                                                              \
        if (qEnvironmentVariableIntValue("AUDITLENS_REQUIRE_SHARED"))                                    \
            QFAIL("../shared is missing (set AUDITLENS_SHARED_DIR): this test needs the reference corpus"); \
        QSKIP("../shared is missing (set AUDITLENS_SHARED_DIR): this test needs the reference corpus");  \
    }

inline std::string gzip(const std::string &in, int level = 6) { return auditlens::receiver::gzipBytes(in, level); }

struct Collected
{
    std::vector<std::string> records;
    std::vector<uint64_t> lines;
    std::vector<auditlens::Diagnostic> diags;
    auditlens::ReadSummary summary;
};

inline Collected readAll(const auditlens::SourceSpec &spec, auditlens::ReaderLimits limits = {})
{
    Collected c;
    auditlens::SourceReader r(limits);
    c.summary = r.read(
        spec,
        [&](auditlens::Block &&b) {
            for (const auto &s : b.spans) {
                c.records.emplace_back(b.data->data() + s.pos, s.len);
                c.lines.push_back(s.line);
            }
        },
        [&](auditlens::Diagnostic &&d) { c.diags.push_back(std::move(d)); });
    return c;
}

inline Collected readMem(const std::string &bytes, auditlens::ReaderLimits limits = {})
{
    return readAll(auditlens::SourceSpec::memory("mem", bytes), limits);
}

} // namespace testutil
