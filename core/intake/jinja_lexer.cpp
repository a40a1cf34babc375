// SPDX-License-Identifier: MIT
// The lexer: a template is cut into text, `{{ expression }}` and `{% statement %}` pieces
// (splitTemplate), and an expression into tokens (lex).
#include "jinja_p.h"
#include "util/ascii.h"

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace auditlens::intake::jinja {

std::vector<Tok> lex(const std::string &src, size_t base)
{
    std::vector<Tok> out;
    size_t i = 0;
    const size_t n = src.size();
    while (i < n) {
        const char c = src[i];
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
            ++i;
            continue;
        }
        Tok t;
        t.pos = base + i;
        if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
            size_t j = i;
            while (j < n && (std::isalnum(static_cast<unsigned char>(src[j])) || src[j] == '_'))
                ++j;
            t.t = Tok::Name;
            t.s = src.substr(i, j - i);
            i = j;
        } else if (std::isdigit(static_cast<unsigned char>(c))) {
            size_t j = i;
            bool isFloat = false;
            while (j < n && (std::isdigit(static_cast<unsigned char>(src[j])) || src[j] == '_'))
                ++j;
            if (j + 1 < n && src[j] == '.' && std::isdigit(static_cast<unsigned char>(src[j + 1]))) {
                isFloat = true;
                ++j;
                while (j < n && std::isdigit(static_cast<unsigned char>(src[j])))
                    ++j;
            }
            if (j < n && (src[j] == 'e' || src[j] == 'E')) {
                size_t k = j + 1;
                if (k < n && (src[k] == '+' || src[k] == '-'))
                    ++k;
                if (k < n && std::isdigit(static_cast<unsigned char>(src[k]))) {
                    isFloat = true;
                    j = k;
                    while (j < n && std::isdigit(static_cast<unsigned char>(src[j])))
                        ++j;
                }
            }
            std::string num;
            for (size_t k = i; k < j; ++k)
                if (src[k] != '_')
                    num += src[k];
            t.t = Tok::Num;
            if (isFloat)
                t.num = std::strtod(num.c_str(), nullptr);
            else {
                errno = 0;
                const long long v = std::strtoll(num.c_str(), nullptr, 10);
                t.num = errno == ERANGE ? Json(std::strtod(num.c_str(), nullptr)) : Json(int64_t(v));
            }
            i = j;
        } else if (c == '\'' || c == '"') {
            std::string s;
            size_t j = i + 1;
            bool closed = false;
            while (j < n) {
                const char ch = src[j++];
                if (ch == c) {
                    closed = true;
                    break;
                }
                if (ch == '\\' && j < n) {
                    const char e = src[j++];
                    switch (e) {
                    case 'n': s += '\n'; break;
                    case 't': s += '\t'; break;
                    case 'r': s += '\r'; break;
                    case '\\': s += '\\'; break;
                    case '\'': s += '\''; break;
                    case '"': s += '"'; break;
                    default: s += '\\'; s += e; break;
                    }
                    continue;
                }
                s += ch;
            }
            if (!closed)
                throw CompileError("string is not closed", base + i);
            t.t = Tok::Str;
            t.s = s;
            i = j;
        } else {
            static const char *ops[] = {"**", "//", "==", "!=", "<=", ">=", "(", ")", "[", "]", "{", "}", ".", ",", ":",
                                        "|", "~", "+", "-", "*", "/", "%", "<", ">", "="};
            bool found = false;
            for (const char *op : ops) {
                const size_t len = std::strlen(op);
                if (src.compare(i, len, op) == 0) {
                    t.t = Tok::Op;
                    t.s = op;
                    i += len;
                    found = true;
                    break;
                }
            }
            if (!found)
                throw CompileError(std::string("unexpected character '") + c + "'", base + i);
        }
        out.push_back(std::move(t));
    }
    Tok end;
    end.pos = base + n;
    out.push_back(end);
    return out;
}

std::vector<TagTok> splitTemplate(const std::string &src)
{
    std::vector<TagTok> out;
    size_t i = 0;
    std::string text;
    size_t textPos = 0;
    bool stripNextLeading = false;
    auto flushText = [&](bool stripTrailing) {
        text = std::string(trimSpace(text, stripNextLeading, stripTrailing));
        if (!text.empty())
            out.push_back({TagTok::Text, text, textPos});
        text.clear();
    };
    while (i < src.size()) {
        if (src[i] == '{' && i + 1 < src.size() && (src[i + 1] == '{' || src[i + 1] == '%' || src[i + 1] == '#')) {
            const char kind = src[i + 1];
            const char *close = kind == '{' ? "}}" : kind == '%' ? "%}" : "#}";
            size_t start = i + 2;
            bool stripBefore = start < src.size() && src[start] == '-';
            if (stripBefore)
                ++start;
            // find the closing delimiter outside string literals
            size_t j = start;
            char q = 0;
            for (; j + 1 < src.size(); ++j) {
                if (kind != '#') {
                    if (q) {
                        if (src[j] == '\\')
                            ++j;
                        else if (src[j] == q)
                            q = 0;
                        continue;
                    }
                    if (src[j] == '\'' || src[j] == '"') {
                        q = src[j];
                        continue;
                    }
                }
                if (src[j] == close[0] && src[j + 1] == close[1])
                    break;
            }
            if (j + 1 >= src.size())
                throw CompileError(std::string("'") + src.substr(i, 2) + "' is not closed with '" + close + "'", i);
            size_t end = j;
            bool stripAfter = end > start && src[end - 1] == '-';
            if (stripAfter)
                --end;
            flushText(stripBefore);
            stripNextLeading = stripAfter;
            if (kind != '#')
                out.push_back({kind == '{' ? TagTok::Expr : TagTok::Stmt, src.substr(start, end - start), start});
            i = j + 2;
            textPos = i;
            continue;
        }
        if (text.empty())
            textPos = i;
        text += src[i++];
    }
    flushText(false);
    return out;
}

} // namespace auditlens::intake::jinja
