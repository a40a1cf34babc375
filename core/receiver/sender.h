// SPDX-License-Identifier: MIT
#pragma once

#include <QObject>

#include <deque>
#include <functional>
#include <string>
#include <vector>

class QNetworkAccessManager;

namespace auditlens::receiver {

/// Pushes NDJSON batches like Logpush does (POST, gzip, secret header), several at a time.
/// Used by `auditlens-cli push`, the tests and the benchmark.
class Sender : public QObject
{
    Q_OBJECT
public:
    struct Options
    {
        std::string url;
        std::string secretHeader = "X-Auditlens-Secret";
        std::string secret;
        int concurrency = 4;
        bool gzip = true;
        int timeoutMs = 60000;
    };
    struct Outcome
    {
        size_t batch = 0;
        int status = 0; ///< 0: no answer
        std::string answer;
    };

    explicit Sender(Options options, QObject *parent = nullptr);
    /// Queues a batch (NDJSON text); returns its number.
    size_t add(std::string ndjson);
    /// Sends everything queued and waits; `onOutcome` is called for each batch as it completes.
    /// Batches are compressed first, all cores at once, so that the sending phase measures the
    /// destination (Logpush compresses on Cloudflare's side), not this machine's compressor.
    std::vector<Outcome> run(const std::function<void(const Outcome &)> &onOutcome = {});
    /// Wall time of the last run's sending phase (first request to last answer).
    double sendSeconds() const { return m_sendSeconds; }

private:
    void next();
    Options m_opt;
    QNetworkAccessManager *m_nam;
    std::vector<std::string> m_batches; ///< NDJSON, then the body to send
    double m_sendSeconds = 0;
    std::deque<size_t> m_todo;
    std::vector<Outcome> m_done;
    int m_inFlight = 0;
    std::function<void(const Outcome &)> m_onOutcome;
    std::function<void()> m_finished;
};

/// gzip of a buffer (one member).
std::string gzipBytes(const std::string &in, int level = 6);

} // namespace auditlens::receiver
