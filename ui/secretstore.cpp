// SPDX-License-Identifier: MIT
#include "secretstore.h"

#include <qt6keychain/keychain.h>

#include <QObject>

namespace auditlens::ui {

namespace {
const QString kService = QStringLiteral("Auditlens");

/// Starts `job` (deleted by itself once finished) and answers through `done` while `context` lives.
void run(QKeychain::Job *job, const QString &key, QObject *context, SecretStore::State ok, SecretStore::Callback done)
{
    job->setKey(key);
    job->setInsecureFallback(false);
    QObject::connect(job, &QKeychain::Job::finished, context, [ok, done = std::move(done)](QKeychain::Job *j) {
        SecretStore::Answer a;
        if (j->error() == QKeychain::NoError) {
            a.state = ok;
            if (auto *rj = qobject_cast<QKeychain::ReadPasswordJob *>(j))
                a.secret = rj->textData();
        } else if (j->error() == QKeychain::EntryNotFound) {
            a.state = ok == SecretStore::State::Removed ? SecretStore::State::Removed : SecretStore::State::NotFound;
        } else {
            a.state = SecretStore::State::Unavailable;
            a.message = j->errorString();
        }
        if (done)
            done(a);
    });
    job->start();
}
} // namespace

void SecretStore::read(const QString &key, QObject *context, Callback done)
{
    run(new QKeychain::ReadPasswordJob(kService), key, context, State::Found, std::move(done));
}

void SecretStore::write(const QString &key, const QString &secret, QObject *context, Callback done)
{
    auto *job = new QKeychain::WritePasswordJob(kService);
    job->setTextData(secret);
    run(job, key, context, State::Stored, std::move(done));
}

void SecretStore::remove(const QString &key, QObject *context, Callback done)
{
    run(new QKeychain::DeletePasswordJob(kService), key, context, State::Removed, std::move(done));
}

} // namespace auditlens::ui
