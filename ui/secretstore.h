// SPDX-License-Identifier: MIT
#pragma once

#include <QString>

#include <functional>

class QObject;

namespace auditlens::ui {

/// One secret in the system keychain (QtKeychain: Secret Service, KWallet, macOS Keychain,
/// Windows Credential Store), by key, under the service "Auditlens". Each call is
/// asynchronous and answers once with a plain state; `done` runs only while `context` lives
/// (the keychain job itself outlives it, so a secret stored as a dialog closes is still kept).
/// Never a fallback to a plain file: when no keychain answers, the state says Unavailable.
class SecretStore
{
public:
    enum class State { Found, NotFound, Stored, Removed, Unavailable };
    struct Answer
    {
        State state = State::Unavailable;
        QString secret;  ///< Found only
        QString message; ///< Unavailable: the keychain's own words
    };
    using Callback = std::function<void(const Answer &)>;

    static void read(const QString &key, QObject *context, Callback done);
    static void write(const QString &key, const QString &secret, QObject *context, Callback done);
    /// Removed also when nothing was kept under the key.
    static void remove(const QString &key, QObject *context, Callback done);
};

} // namespace auditlens::ui
