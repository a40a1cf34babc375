// SPDX-License-Identifier: MIT
#pragma once

#include "job.h"

#include <string>
#include <vector>

namespace auditlens::logpush {

/// The scheme of a destination_conf ("https", "s3", …), lower case; empty when there is none.
std::string destinationScheme(const std::string &destinationConf);

/// Whether Cloudflare asks for an ownership challenge before it pushes to this destination
/// (FACTS §9: S3 unless access keys are given, Google Cloud Storage, Azure Blob, Sumo Logic).
bool needsOwnershipChallenge(const std::string &destinationConf);

/// Checks a destination_conf. Schemes whose rules Cloudflare documents are checked (errors);
/// documented schemes without rules Auditlens can check pass; a scheme Auditlens does not know
/// is passed through with a warning, never refused.
void checkDestination(const std::string &destinationConf, std::vector<FieldError> &out);

/// Whether a query parameter's name says its value is a secret: header_* (they become HTTP
/// headers, often Authorization), and names with key, secret, token, password, passwd, pwd,
/// auth, credential, signature or the name sig.
bool isSecretParameter(const std::string &name);

/// destination_conf with every secret replaced by "***": the password (or lone user name) of
/// the URL's userinfo and the values of secret-looking query parameters.
std::string maskDestination(const std::string &destinationConf);

/// The text (a message, a JSON document, a curl command) with every URL in it masked as
/// maskDestination does.
std::string maskText(const std::string &text);

} // namespace auditlens::logpush
