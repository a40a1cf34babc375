// SPDX-License-Identifier: MIT
// dsv.parse-dsv: one delimiter-separated record, named by `columnnames`.
//
// Reads like Python's csv reader: a field that starts with `"` is quoted (a doubled `""` inside
// is one quote, the delimiter and line breaks inside are kept); a quote elsewhere is an ordinary
// character. Columns pair with values in order: extra values are ignored, missing ones absent;
// with a repeated column name the last value wins.
#include "stages.h"

namespace auditlens::intake::stages {

namespace {

class DsvStage final : public ExternalStage
{
public:
    DsvStage(std::vector<std::string> columns, char delimiter) : m_columns(std::move(columns)), m_delimiter(delimiter) {}

    bool run(const Json &input, Json &output, std::string &error) const override
    {
        std::string text;
        if (!inputText(input, text, error, "dsv.parse-dsv"))
            return false;
        while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
            text.pop_back();
        const std::vector<std::string> values = split(text);
        output = Json::object();
        for (size_t i = 0; i < m_columns.size() && i < values.size(); ++i)
            output[m_columns[i]] = values[i];
        return true;
    }

    std::vector<std::string> split(const std::string &s) const
    {
        std::vector<std::string> out;
        std::string field;
        size_t i = 0;
        bool fieldStart = true;
        while (i < s.size()) {
            const char c = s[i];
            if (fieldStart && c == '"') {
                ++i;
                while (i < s.size()) {
                    if (s[i] == '"') {
                        if (i + 1 < s.size() && s[i + 1] == '"') {
                            field += '"';
                            i += 2;
                            continue;
                        }
                        ++i;
                        break;
                    }
                    field += s[i++];
                }
                fieldStart = false;
                continue;
            }
            fieldStart = false;
            if (c == m_delimiter) {
                out.push_back(std::move(field));
                field.clear();
                fieldStart = true;
                ++i;
                continue;
            }
            field += c;
            ++i;
        }
        out.push_back(std::move(field));
        return out;
    }

private:
    std::vector<std::string> m_columns;
    char m_delimiter;
};

} // namespace

std::unique_ptr<ExternalStage> compileDsv(const Properties &p, std::string &error)
{
    bool ok = true;
    const auto columns = p.stringList("columnnames", &ok);
    const std::string delimiter = p.string("delimiter", &ok).value_or(",");
    if (!ok || !columns || columns->empty()) {
        error = "'columnnames' must be a list of column names";
        return nullptr;
    }
    if (delimiter.size() != 1) {
        error = "'delimiter' must be one character, not '" + delimiter + "'";
        return nullptr;
    }
    return std::make_unique<DsvStage>(*columns, delimiter[0]);
}

} // namespace auditlens::intake::stages
