// SPDX-License-Identifier: MIT
#pragma once

#include <QTest>

/// QCOMPARE for nlohmann values, printing both sides as JSON.
#define JCOMPARE(actual, expected)                                                                   \
    do {                                                                                             \
        const auto a_ = (actual);                                                                    \
        const auto e_ = (expected);                                                                  \
        QVERIFY2(a_ == e_, qPrintable(QStringLiteral("got %1, expected %2")                          \
                                          .arg(QString::fromStdString(a_.dump()),                   \
                                               QString::fromStdString(e_.dump()))));                 \
    } while (false)
