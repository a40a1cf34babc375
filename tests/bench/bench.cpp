// SPDX-License-Identifier: MIT
// Benchmark: generates synthetic audit logs (if needed) and measures `auditlens-cli stats`
// (the index pass) and `auditlens-cli normalize` as separate processes: wall time,
// records/s, MB/s and peak RSS. Not a test: its figures go in the README.
// Usage: auditlens-bench [--records N] [--file PATH] [--skip-normalize]
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>
#include <csignal>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

struct Run
{
    double seconds = 0;
    long maxRssKb = 0;
    int status = 0;
};

Run run(const std::vector<std::string> &argv, const char *outPath, const char *inPath = nullptr, const char *errPath = nullptr)
{
    const auto t0 = std::chrono::steady_clock::now();
    const pid_t pid = fork();
    if (pid == 0) {
        if (outPath) {
            const int fd = open(outPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 1);
        }
        if (inPath) {
            const int fd = open(inPath, O_RDONLY);
            dup2(fd, 0);
        }
        if (errPath) {
            const int fd = open(errPath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
            dup2(fd, 2);
        }
        std::vector<char *> args;
        for (const auto &a : argv)
            args.push_back(const_cast<char *>(a.c_str()));
        args.push_back(nullptr);
        execv(args[0], args.data());
        _exit(127);
    }
    int status = 0;
    struct rusage ru{};
    wait4(pid, &status, 0, &ru);
    Run r;
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.maxRssKb = ru.ru_maxrss;
    r.status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    return r;
}

} // namespace

int main(int argc, char **argv)
{
    unsigned long long records = 1000000;
    std::string file;
    bool skipNormalize = false;
    bool receiver = false;
    for (int i = 1; i < argc; ++i) {
        const std::string a = argv[i];
        if (a == "--records" && i + 1 < argc)
            records = std::strtoull(argv[++i], nullptr, 10);
        else if (a == "--file" && i + 1 < argc)
            file = argv[++i];
        else if (a == "--skip-normalize")
            skipNormalize = true;
        else if (a == "--receiver")
            receiver = true;
        else {
            std::fprintf(stderr, "usage: auditlens-bench [--records N] [--file PATH] [--skip-normalize] [--receiver]\n");
            return 2;
        }
    }
    if (file.empty())
        file = "/tmp/auditlens-bench-" + std::to_string(records) + ".ndjson";
    struct stat st{};
    if (stat(file.c_str(), &st) != 0) {
        std::fprintf(stderr, "generating %llu records into %s ...\n", records, file.c_str());
        Run g = run({AUDITLENS_GEN, "--records", std::to_string(records)}, file.c_str());
        if (g.status != 0) {
            std::fprintf(stderr, "generator failed\n");
            return 1;
        }
        stat(file.c_str(), &st);
    }
    const double mb = double(st.st_size) / 1e6;
    long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    std::printf("input: %s, %llu records, %.0f MB; %ld CPUs\n", file.c_str(), records, mb, cpus);
    // warm the page cache so both runs read from memory, as a second open in the GUI would
    run({"/bin/cat", file}, "/dev/null");
    Run s = run({AUDITLENS_CLI, "stats", file}, "/dev/null");
    std::printf("stats:     %6.2f s  %9.0f records/s  %7.1f MB/s  peak RSS %6.1f MB  (exit %d)\n", s.seconds,
                double(records) / s.seconds, mb / s.seconds, double(s.maxRssKb) / 1024.0, s.status);
    if (!skipNormalize) {
        Run n = run({AUDITLENS_CLI, "normalize", file}, "/dev/null");
        std::printf("normalize: %6.2f s  %9.0f records/s  %7.1f MB/s  peak RSS %6.1f MB  (exit %d)\n", n.seconds,
                    double(records) / n.seconds, mb / n.seconds, double(n.maxRssKb) / 1024.0, n.status);
    }
    if (receiver) {
        // the receiver in its own process, fed by `auditlens-cli push`: 4 concurrent senders of
        // 1000-record gzip batches, compressed before sending starts (Logpush compresses on
        // Cloudflare's side); the rate is over the sending phase, every batch synced before its 2xx
        const std::string journal = "/tmp/auditlens-bench-journal";
        run({"/bin/rm", "-rf", journal}, nullptr);
        const pid_t rx = fork();
        if (rx == 0) {
            const int devnull = open("/dev/null", O_WRONLY);
            dup2(devnull, 2);
            execl(AUDITLENS_CLI, AUDITLENS_CLI, "receive", "--listen", "127.0.0.1:18799", "--journal", journal.c_str(), "--secret",
                  "bench-secret-123456", "--quiet", static_cast<char *>(nullptr));
            _exit(127);
        }
        usleep(500000);
        const std::string pushLog = "/tmp/auditlens-bench-push.log";
        Run p = run({AUDITLENS_CLI, "push", "http://127.0.0.1:18799/", "--secret", "bench-secret-123456", "--batch-records", "1000",
                     "--concurrency", "4", file},
                    "/dev/null", nullptr, pushLog.c_str());
        // push's last line: "... N records acknowledged in S s of sending (R records/s)"
        double sendSeconds = 0, acked = 0;
        if (FILE *f = std::fopen(pushLog.c_str(), "r")) {
            char line[512];
            while (std::fgets(line, sizeof line, f))
                if (const char *at = std::strstr(line, "not; "))
                    std::sscanf(at, "not; %lf records acknowledged in %lf s", &acked, &sendSeconds);
            std::fclose(f);
        }
        kill(rx, SIGTERM);
        int rxStatus = 0;
        struct rusage ru{};
        wait4(rx, &rxStatus, 0, &ru);
        std::printf("receive:   %6.2f s  %9.0f records/s  (%.0f records acknowledged, 4 senders, gzip batches of 1000, fsync before "
                    "each 2xx; receiver peak RSS %.1f MB; push exit %d, %.2f s with reading and compressing)\n",
                    sendSeconds, sendSeconds > 0 ? acked / sendSeconds : 0.0, acked, double(ru.ru_maxrss) / 1024.0, p.status, p.seconds);
    }
    return 0;
}
