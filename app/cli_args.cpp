// SPDX-License-Identifier: MIT
#include "cli_args.h"

#include <QFile>

#include <algorithm>
#include <cstdio>

namespace auditlens::cli {

Args parseArgs(const std::vector<std::string> &args, const std::vector<std::string> &valued, const std::vector<std::string> &flags)
{
    Args a;
    auto known = [](const std::vector<std::string> &list, const std::string &n) {
        return std::find(list.begin(), list.end(), n) != list.end();
    };
    for (size_t i = 0; i < args.size(); ++i) {
        const std::string &arg = args[i];
        if (arg == "--help" || arg == "-h") {
            a.help = true;
            continue;
        }
        if (arg == "--") {
            a.inputs.insert(a.inputs.end(), args.begin() + long(i) + 1, args.end());
            break;
        }
        if (arg == "-" || arg.empty() || arg[0] != '-') {
            a.inputs.push_back(arg);
            continue;
        }
        const size_t eq = arg.find('=');
        const std::string name = arg.substr(0, eq);
        if (known(flags, name) && eq == std::string::npos) {
            a.opts[name] = "1";
        } else if (known(valued, name)) {
            if (eq != std::string::npos)
                a.opts[name] = arg.substr(eq + 1);
            else if (i + 1 < args.size())
                a.opts[name] = args[++i];
            else {
                a.error = name + " needs a value";
                return a;
            }
        } else {
            a.error = "unknown option '" + name + "'";
            return a;
        }
    }
    return a;
}

std::optional<int> usageExit(const Args &a, const Usage &u)
{
    if (a.help) {
        std::fputs(u.help, stdout);
        return 0;
    }
    if (!a.error.empty())
        std::fprintf(stderr, "auditlens-cli %s: %s (see --help)\n", u.command, a.error.c_str());
    else if (a.inputs.size() < u.minWords)
        std::fprintf(stderr, "auditlens-cli %s: %s\n", u.command, u.tooFew);
    else if (a.inputs.size() > u.maxWords)
        std::fprintf(stderr, "auditlens-cli %s: %s\n", u.command, u.tooMany);
    else
        return std::nullopt;
    return 2;
}

bool numberOption(const Args &a, const std::string &name, uint64_t &out, uint64_t lo, uint64_t hi)
{
    if (!a.has(name))
        return true;
    const std::string v = a.value(name);
    if (v.empty() || v.size() > 18 || v.find_first_not_of("0123456789") != std::string::npos)
        return false;
    const uint64_t n = std::stoull(v);
    if (n < lo || n > hi)
        return false;
    out = n;
    return true;
}

bool readSecretFile(const std::string &path, std::string &out, std::string &error)
{
    QFile f(QString::fromStdString(path));
    if (!f.open(QIODevice::ReadOnly)) {
        error = path + ": cannot be read";
        return false;
    }
    out = f.readAll().trimmed().toStdString();
    return true;
}

std::vector<std::string> splitComma(const std::string &s)
{
    std::vector<std::string> out;
    size_t b = 0;
    while (b <= s.size()) {
        const size_t e = std::min(s.find(',', b), s.size());
        if (e > b)
            out.push_back(s.substr(b, e - b));
        b = e + 1;
    }
    return out;
}

std::shared_ptr<const intake::IntakeParser> loadParser(const std::string &path, const char *cmd)
{
    if (path.empty())
        return intake::IntakeParser::builtin();
    std::string err;
    auto parser = intake::IntakeParser::load(path, err);
    if (!parser) {
        std::fprintf(stderr, "auditlens-cli %s: %s\n", cmd, err.c_str());
        return nullptr;
    }
    for (const std::string &w : parser->warnings())
        std::fprintf(stderr, "%s: warning: %s\n", path.c_str(), w.c_str());
    return parser;
}

void noteAbsentFields(const char *cmd, const std::vector<std::string> &fields)
{
    constexpr size_t kShown = 20; // (a query of thousands of terms: not a line for each)
    for (size_t k = 0; k < fields.size() && k < kShown; ++k)
        std::fprintf(stderr, "auditlens-cli %s: no record has the field '%s' (field names are case-sensitive)\n", cmd,
                     fields[k].c_str());
    if (fields.size() > kShown)
        std::fprintf(stderr, "auditlens-cli %s: nor %zu more of the query's fields\n", cmd, fields.size() - kShown);
}

} // namespace auditlens::cli
