// SPDX-License-Identifier: MIT
// xml.parse-xml and xml.parse-windows-event, read with QXmlStreamReader.
//
// xml.parse-xml gives `{root: value}` where an element's value is its text when it has neither
// attributes nor children (None when empty), else a dict of `@attribute`s, children and `#text`
// (white space around text is dropped). Repeated children become a list, in document order.
// Names are kept as written, prefixes included; `xmlns` declarations are attributes.
//
// xml.parse-windows-event reads a Windows event (`<Event><System>…</System><EventData>…`):
// `System` as a dict (an element's text, or its attributes by name), and `EventData` /
// `UserData` as a Name→value map (`<Data Name='User'>x</Data>` gives `User: x`).
#include "stages.h"

#include <QXmlStreamReader>

#include <map>

namespace auditlens::intake::stages {

namespace {

constexpr int kMaxDepth = 256;

struct Element
{
    std::string name;
    std::vector<std::pair<std::string, std::string>> attributes;
    std::string text;
    std::vector<Element> children;
};

std::string strip(const std::string &s)
{
    const size_t b = s.find_first_not_of(" \t\r\n");
    if (b == std::string::npos)
        return std::string();
    const size_t e = s.find_last_not_of(" \t\r\n");
    return s.substr(b, e - b + 1);
}

/// Reads the document element; false + error (with line and column) when not well-formed.
bool readDocument(const std::string &text, Element &root, std::string &error, const char *)
{
    // the text is already decoded: an encoding="UTF-16" declaration (Windows task XML carried in
    // UTF-8 JSON) must not re-decode it, so the reader gets characters, not bytes
    QXmlStreamReader xml(QString::fromStdString(text));
    xml.setNamespaceProcessing(false);
    std::vector<Element *> stack;
    bool haveRoot = false;
    while (!xml.atEnd()) {
        const QXmlStreamReader::TokenType t = xml.readNext();
        if (t == QXmlStreamReader::StartElement) {
            Element *e = nullptr;
            if (stack.empty()) {
                if (haveRoot)
                    break; // QXmlStreamReader reports the second root as an error below
                haveRoot = true;
                e = &root;
            } else {
                if (stack.size() >= size_t(kMaxDepth)) {
                    error = "elements nest deeper than " + std::to_string(kMaxDepth) + " levels";
                    return false;
                }
                stack.back()->children.emplace_back();
                e = &stack.back()->children.back();
            }
            e->name = xml.qualifiedName().toString().toStdString();
            for (const QXmlStreamAttribute &a : xml.attributes())
                e->attributes.emplace_back(a.qualifiedName().toString().toStdString(), a.value().toString().toStdString());
            stack.push_back(e);
        } else if (t == QXmlStreamReader::EndElement) {
            if (!stack.empty())
                stack.pop_back();
        } else if (t == QXmlStreamReader::Characters && !stack.empty()) {
            stack.back()->text += xml.text().toString().toStdString();
        }
    }
    if (xml.hasError()) {
        error = "not well-formed XML at line " + std::to_string(xml.lineNumber()) + ", column "
                + std::to_string(xml.columnNumber()) + ": " + xml.errorString().toStdString();
        return false;
    }
    if (!haveRoot) {
        error = "the input holds no XML element";
        return false;
    }
    return true;
}

/// Adds a text value under `key`; a repeated key collects its values in a list.
void addValue(Json &dict, const std::string &key, Json value)
{
    auto it = dict.find(key);
    if (it == dict.end()) {
        dict[key] = std::move(value);
        return;
    }
    if (!it->is_array()) {
        Json list = Json::array();
        list.push_back(std::move(*it));
        *it = std::move(list);
    }
    it->push_back(std::move(value));
}

Json toJson(const Element &e)
{
    const std::string text = strip(e.text);
    if (e.attributes.empty() && e.children.empty())
        return text.empty() ? Json() : Json(text);
    Json out = Json::object();
    for (const auto &[k, v] : e.attributes)
        out["@" + k] = v;
    // children: a name seen more than once gives a list
    std::map<std::string, int> counts;
    for (const Element &c : e.children)
        ++counts[c.name];
    for (const Element &c : e.children) {
        if (counts[c.name] > 1) {
            if (!out.contains(c.name))
                out[c.name] = Json::array();
            out[c.name].push_back(toJson(c));
        } else
            out[c.name] = toJson(c);
    }
    if (!text.empty())
        out["#text"] = text;
    return out;
}

class XmlStage final : public ExternalStage
{
public:
    bool run(const Json &input, Json &output, std::string &error) const override
    {
        std::string text;
        if (!inputText(input, text, error, "xml.parse-xml"))
            return false;
        Element root;
        if (!readDocument(text, root, error, "xml.parse-xml"))
            return false;
        output = Json::object();
        output[root.name] = toJson(root);
        return true;
    }
};

/// An element's local name ("Data" for "ev:Data").
std::string localName(const std::string &name)
{
    const size_t colon = name.rfind(':');
    return colon == std::string::npos ? name : name.substr(colon + 1);
}

const std::string *attribute(const Element &e, const char *name)
{
    for (const auto &[k, v] : e.attributes)
        if (localName(k) == name)
            return &v;
    return nullptr;
}

/// `System`'s children: text, or the attributes by name (with `#text` when both).
Json systemJson(const Element &system)
{
    Json out = Json::object();
    for (const Element &c : system.children) {
        const std::string text = strip(c.text);
        Json v;
        if (c.attributes.empty() && c.children.empty())
            v = text.empty() ? Json() : Json(text);
        else {
            v = Json::object();
            for (const auto &[k, val] : c.attributes)
                v[k] = val;
            for (const Element &g : c.children)
                v[localName(g.name)] = toJson(g);
            if (!text.empty())
                v["#text"] = text;
        }
        out[localName(c.name)] = std::move(v);
    }
    return out;
}

/// `<Data Name='k'>v</Data>` (or any element without a Name: its local name) → k: v.
void namedValues(const Element &e, Json &out)
{
    for (const Element &c : e.children) {
        const std::string *name = attribute(c, "Name");
        const std::string text = strip(c.text);
        if (name)
            out[*name] = text.empty() && c.children.empty() ? Json() : (c.children.empty() ? Json(text) : toJson(c));
        else if (!c.children.empty() && localName(c.name) != "Data")
            namedValues(c, out); // UserData wraps its values in one element
        else
            addValue(out, localName(c.name), text.empty() ? Json() : Json(text));
    }
}

class WindowsEventStage final : public ExternalStage
{
public:
    bool run(const Json &input, Json &output, std::string &error) const override
    {
        std::string text;
        if (!inputText(input, text, error, "xml.parse-windows-event"))
            return false;
        Element root;
        if (!readDocument(text, root, error, "xml.parse-windows-event"))
            return false;
        if (localName(root.name) != "Event") {
            error = "the document element is <" + root.name + ">, not <Event>";
            return false;
        }
        output = Json::object();
        for (const Element &c : root.children) {
            const std::string name = localName(c.name);
            if (name == "System")
                output["System"] = systemJson(c);
            else if (name == "EventData" || name == "UserData") {
                Json values = Json::object();
                namedValues(c, values);
                output[name] = std::move(values);
            }
        }
        return true;
    }
};

} // namespace

std::unique_ptr<ExternalStage> compileXml(const Properties &, std::string &)
{
    return std::make_unique<XmlStage>();
}

std::unique_ptr<ExternalStage> compileWindowsEvent(const Properties &, std::string &)
{
    return std::make_unique<WindowsEventStage>();
}

} // namespace auditlens::intake::stages
