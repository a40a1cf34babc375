// SPDX-License-Identifier: MIT
#include "checkpoint.h"

#include "receiver/receiver.h"
#include "source/timestamp.h"

#include <QFile>
#include <QSaveFile>

#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <unistd.h>

namespace auditlens::fetch {

using nlohmann::json;

std::string CheckpointFile::path() const { return m_dir + "/.fetch-checkpoint.json"; }

bool CheckpointFile::load(std::string &error)
{
    m_all.clear();
    QFile f(QString::fromStdString(path()));
    if (!f.exists())
        return true;
    if (!f.open(QIODevice::ReadOnly)) {
        error = path() + ": cannot be read";
        return false;
    }
    const json j = json::parse(f.readAll().toStdString(), nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("queries") || !j["queries"].is_array()) {
        error = path() + ": not a fetch checkpoint (remove it to fetch the whole range again; the journal's IDs still prevent duplicates)";
        return false;
    }
    for (const json &q : j["queries"]) {
        if (!q.is_object() || !q.contains("key") || !q["key"].is_string())
            continue;
        Checkpoint cp;
        cp.key = q["key"].get<std::string>();
        cp.coveredFromNs = q.value("covered_from_ns", int64_t(0));
        cp.lastNs = q.value("last_ns", INT64_MIN);
        if (q.contains("boundary_ids") && q["boundary_ids"].is_array())
            for (const json &id : q["boundary_ids"])
                if (id.is_string())
                    cp.boundaryIds.push_back(id.get<std::string>());
        cp.rangeSinceNs = q.value("range_since_ns", int64_t(0));
        cp.rangeBeforeNs = q.value("range_before_ns", int64_t(0));
        cp.perPage = q.value("per_page", 0);
        cp.cursor = q.value("cursor", std::string());
        cp.nextPage = q.value("next_page", 0);
        cp.complete = q.value("complete", false);
        m_all[cp.key] = std::move(cp);
    }
    return true;
}

const Checkpoint *CheckpointFile::find(const std::string &key) const
{
    auto it = m_all.find(key);
    return it == m_all.end() ? nullptr : &it->second;
}

bool CheckpointFile::save(const Checkpoint &cp, std::string &error)
{
    m_all[cp.key] = cp;
    json queries = json::array();
    for (const auto &[key, c] : m_all) {
        json q;
        q["key"] = c.key;
        q["covered_from_ns"] = c.coveredFromNs;
        q["covered_from"] = formatRfc3339(c.coveredFromNs, FractionMode::Nano);
        if (c.hasRecords()) {
            q["last_ns"] = c.lastNs;
            q["last"] = formatRfc3339(c.lastNs, FractionMode::Nano);
        }
        q["boundary_ids"] = c.boundaryIds;
        q["range_since_ns"] = c.rangeSinceNs;
        q["range_before_ns"] = c.rangeBeforeNs;
        q["per_page"] = c.perPage;
        q["cursor"] = c.cursor;
        q["next_page"] = c.nextPage;
        q["complete"] = c.complete;
        queries.push_back(std::move(q));
    }
    const std::string text = json{{"version", 1}, {"queries", queries}}.dump(1) + "\n";
    QSaveFile f(QString::fromStdString(path()));
    if (!f.open(QIODevice::WriteOnly) || f.write(text.data(), qint64(text.size())) != qint64(text.size()) || !f.commit()) {
        error = path() + ": cannot be written (" + f.errorString().toStdString() + ")";
        return false;
    }
    // the rename itself is durable once the directory is synced
    const int dfd = ::open(m_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        ::fsync(dfd);
        ::close(dfd);
    }
    return true;
}

size_t repairJournalTails(const std::string &dir, std::string &error)
{
    size_t cut = 0;
    for (const std::string &path : receiver::journalFiles(dir, true)) {
        QFile f(QString::fromStdString(path));
        const qint64 size = f.size();
        if (size <= 0 || !f.open(QIODevice::ReadWrite))
            continue;
        // look back for the last newline (a record is at most a few MB; read in chunks)
        qint64 end = size;
        char last = 0;
        f.seek(size - 1);
        f.getChar(&last);
        if (last == '\n')
            continue;
        qint64 keep = 0;
        while (end > 0) {
            const qint64 from = std::max<qint64>(0, end - 65536);
            f.seek(from);
            const QByteArray chunk = f.read(end - from);
            const qsizetype nl = chunk.lastIndexOf('\n');
            if (nl >= 0) {
                keep = from + nl + 1;
                break;
            }
            end = from;
        }
        if (!f.resize(keep)) {
            error = path + ": cannot cut the torn last record (" + f.errorString().toStdString() + ")";
            continue;
        }
        cut += size_t(size - keep);
    }
    return cut;
}

} // namespace auditlens::fetch
