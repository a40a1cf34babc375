// SPDX-License-Identifier: MIT
#pragma once

#include "jinja.h"

#include <QRegularExpression>

#include <map>
#include <string>
#include <vector>

namespace auditlens::intake {

/// A compiled grok pattern. Matching is a full match of the whole input. Every named capture
/// is present in the result (None when it took no part); an unnamed `%{X}` written in the
/// pattern or a custom pattern (at any depth, not inside the base set) is captured under X;
/// with duplicated names the last group that took part wins. `%{X:f:int}`/`:float`
/// converts the capture.
class Grok
{
public:
    Grok() = default;
    /// Compiles; false and a reason (naming the construct) on failure.
    bool compile(const std::string &pattern, const std::map<std::string, std::string> &custom, std::string &error);
    /// The captures as a dict, or an undefined value when the input does not match.
    Json match(const std::string &input) const;
    bool isValid() const { return m_re.isValid() && !m_re.pattern().isEmpty(); }

    /// The names of our base pattern set.
    static std::vector<std::string> baseNames();

private:
    struct Capture
    {
        std::string group; ///< generated group name (g1, g2…)
        std::string field; ///< output name
        std::string conv;  ///< "", "int" or "float"
    };
    QRegularExpression m_re;
    std::vector<Capture> m_caps;
    std::string m_literalPrefix; ///< text every match starts with (a cheap first test)
};

} // namespace auditlens::intake
