// SPDX-License-Identifier: MIT
#pragma once

// Where the built-in data is read from: the built-in parser, the taxonomy facts and the sample
// logs. An installed program reads them from share/auditlens beside its bin/ folder (found from
// the executable's own folder, so the installed tree can be moved); a program run from its
// build folder reads the copies embedded in it (Qt resources under ":/auditlens/").

#include <QString>

namespace auditlens::util {

/// The installed data folder of programs in `appDir` (`appDir`/../share/auditlens with the
/// default GNU install directories), or an empty string when that folder does not exist.
QString installedDataDir(const QString &appDir);

/// The file to read for the built-in data file `relative` (e.g. "samples/x.ndjson"): the
/// installed one when installedDataDir(appDir) has it, else the embedded ":/auditlens/" copy.
QString dataFile(const QString &relative, const QString &appDir);

/// dataFile() for the running program (QCoreApplication::applicationDirPath(); the embedded
/// copy when there is no application object). Logged under the category "auditlens.data".
QString dataFile(const QString &relative);

/// The embedded copy of `relative` (":/auditlens/" + relative).
QString embeddedDataFile(const QString &relative);

} // namespace auditlens::util
