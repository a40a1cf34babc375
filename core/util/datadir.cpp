// SPDX-License-Identifier: MIT
#include "datadir.h"

#include <QCoreApplication>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>

#ifndef AUDITLENS_DATA_RELDIR
#define AUDITLENS_DATA_RELDIR "../share/auditlens"
#endif

namespace auditlens::util {

namespace {
Q_LOGGING_CATEGORY(lcData, "auditlens.data", QtWarningMsg)
}

QString installedDataDir(const QString &appDir)
{
    if (appDir.isEmpty())
        return {};
    const QString dir = QDir::cleanPath(appDir + QLatin1Char('/') + QStringLiteral(AUDITLENS_DATA_RELDIR));
    return QFileInfo(dir).isDir() ? dir : QString();
}

QString embeddedDataFile(const QString &relative) { return QStringLiteral(":/auditlens/") + relative; }

QString dataFile(const QString &relative, const QString &appDir)
{
    const QString dir = installedDataDir(appDir);
    if (!dir.isEmpty()) {
        const QString file = dir + QLatin1Char('/') + relative;
        if (QFileInfo(file).isFile())
            return file;
    }
    return embeddedDataFile(relative);
}

QString dataFile(const QString &relative)
{
    const QString file =
        dataFile(relative, QCoreApplication::instance() ? QCoreApplication::applicationDirPath() : QString());
    qCDebug(lcData, "built-in data %s from %s", qUtf8Printable(relative), qUtf8Printable(file));
    return file;
}

} // namespace auditlens::util
