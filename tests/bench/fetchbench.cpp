// SPDX-License-Identifier: MIT
// auditlens-fetchbench: `auditlens-cli fetch` against the scripted local Audit Logs API (the
// tests' FakeAuditApi, in this process): records per second and the CLI's peak RSS, for v1 and
// v2, to stdout (/dev/null) and into a journal, at two sizes (memory must not grow with them).
#include "../core/fakeauditapi.h"

#include <QCoreApplication>
#include <QElapsedTimer>
#include <QProcess>
#include <QTemporaryDir>

#include <QFile>
#include <QTimer>

#include <cstdio>
#include <unistd.h>

namespace {

struct Result
{
    double seconds = 0;
    long maxRssKb = 0;
    double cpuSeconds = 0; ///< the CLI's user + system time (last seen)
    int exitCode = -1;
    QByteArray err;
};

Result run(FakeAuditApi &api, const QStringList &args)
{
    Result r;
    QProcess p;
    QProcessEnvironment env = QProcessEnvironment::systemEnvironment();
    env.insert(QStringLiteral("CLOUDFLARE_API_TOKEN"), QStringLiteral("bench-token"));
    p.setProcessEnvironment(env);
    p.setStandardOutputFile(QProcess::nullDevice());
    QElapsedTimer t;
    t.start();
    QEventLoop loop;
    QObject::connect(&p, &QProcess::finished, &loop, &QEventLoop::quit);
    // the CLI's peak RSS after its exec (VmHWM; rusage would count the pages of this process,
    // which holds every record, from before the exec)
    QTimer hwm;
    QObject::connect(&hwm, &QTimer::timeout, &loop, [&] {
        QFile f(QStringLiteral("/proc/%1/status").arg(p.processId()));
        if (!f.open(QIODevice::ReadOnly))
            return;
        for (const QByteArray &line : f.readAll().split('\n'))
            if (line.startsWith("VmHWM:"))
                r.maxRssKb = std::max(r.maxRssKb, line.mid(6).trimmed().split(' ').value(0).toLong());
        QFile st(QStringLiteral("/proc/%1/stat").arg(p.processId()));
        if (st.open(QIODevice::ReadOnly)) { // utime and stime, fields 14 and 15 (after the comm's ')')
            const QByteArray text = st.readAll();
            const QList<QByteArray> f2 = text.mid(text.lastIndexOf(')') + 2).split(' ');
            if (f2.size() > 13)
                r.cpuSeconds = double(f2[11].toLongLong() + f2[12].toLongLong()) / double(sysconf(_SC_CLK_TCK));
        }
    });
    hwm.start(10);
    p.start(QStringLiteral(AUDITLENS_CLI), QStringList{QStringLiteral("fetch"), QStringLiteral("--account"),
                                                       QStringLiteral("0123456789abcdef0123456789abcdef"), QStringLiteral("--api-base"),
                                                       api.baseUrl(), QStringLiteral("--since"), QStringLiteral("2025-11-01"),
                                                       QStringLiteral("--before"), QStringLiteral("2026-01-01")} + args);
    loop.exec(); // the API answers from this loop (a bench, not a library: a local loop is fine here)
    r.seconds = t.elapsed() / 1000.0;
    r.exitCode = p.exitCode();
    r.err = p.readAllStandardError();
    return r;
}

} // namespace

/// One measurement in a process of its own (a fresh server each time).
int one(const char *apiName, bool journal, size_t n, int perPage)
{
    FakeAuditApi api;
    api.padRecords = true;
    api.generate(n, 1'764'500'000'000'000'000LL, 1'000'000LL, 7);
    QTemporaryDir dir;
    QStringList args = {QStringLiteral("--api"), QLatin1String(apiName), QStringLiteral("--per-page"), QString::number(perPage)};
    if (journal)
        args << QStringLiteral("--journal") << dir.path();
    const Result r = run(api, args);
    if (r.exitCode != 0) {
        std::fprintf(stderr, "fetch failed (%d): %s\n", r.exitCode, r.err.constData());
        return 1;
    }
    if (qEnvironmentVariableIsSet("FETCHBENCH_STDERR")) // the CLI's own account (e.g. MALLOC_CONF=stats_print:true)
        std::fputs(r.err.constData(), stderr);
    std::printf("| %s | %s | %zu | %d | %.2f s | %.0f | %.2f s | %.0f | %.1f MB |\n", apiName, journal ? "journal" : "stdout", n, perPage,
                r.seconds, double(n) / r.seconds, r.cpuSeconds, r.cpuSeconds > 0 ? double(n) / r.cpuSeconds : 0.0,
                double(r.maxRssKb) / 1024.0);
    return 0;
}

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    size_t records = 200000;
    int perPage = 1000;
    for (int i = 1; i + 1 < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--records")
            records = std::stoul(argv[++i]);
        else if (a == "--per-page")
            perPage = std::stoi(argv[++i]);
        else if (a == "--one" && i + 3 < argc)
            return one(argv[i + 1], std::string(argv[i + 2]) == "journal", std::stoul(argv[i + 3]), perPage);
    }
    std::printf("| API | output | records | per page | wall time | records/s | CLI CPU time | records per CLI CPU second | CLI peak RSS |\n"
                "|---|---|---|---|---|---|---|---|---|\n");
    std::fflush(stdout);
    for (const size_t n : {records / 4, records})
        for (const char *apiName : {"v1", "v2"})
            for (const char *out : {"stdout", "journal"}) {
                QProcess p;
                p.setProcessChannelMode(QProcess::ForwardedChannels);
                p.start(QCoreApplication::applicationFilePath(),
                        {QStringLiteral("--per-page"), QString::number(perPage), QStringLiteral("--one"), QLatin1String(apiName),
                         QLatin1String(out), QString::number(n)});
                p.waitForFinished(-1);
                if (p.exitCode() != 0)
                    return 1;
            }
    return 0;
}
