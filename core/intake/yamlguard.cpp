// SPDX-License-Identifier: MIT
#include "yamlguard.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <sstream>
#include <unordered_map>
#include <vector>

namespace auditlens::intake {

namespace {

struct TooLarge
{
    YAML::Mark mark;
};

/// Counts the nodes of the document as if every alias were expanded, without expanding any.
class SizeCounter : public YAML::EventHandler
{
public:
    explicit SizeCounter(size_t limit) : m_limit(limit) {}

    void OnDocumentStart(const YAML::Mark &) override {}
    void OnDocumentEnd() override {}
    void OnNull(const YAML::Mark &mark, YAML::anchor_t anchor) override { leaf(mark, anchor, 1); }
    void OnAlias(const YAML::Mark &mark, YAML::anchor_t anchor) override
    {
        auto it = m_anchors.find(anchor);
        leaf(mark, YAML::NullAnchor, it != m_anchors.end() ? it->second : 1);
    }
    void OnScalar(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, const std::string &) override
    {
        leaf(mark, anchor, 1);
    }
    void OnSequenceStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnSequenceEnd() override { close(); }
    void OnMapStart(const YAML::Mark &mark, const std::string &, YAML::anchor_t anchor, YAML::EmitterStyle::value) override
    {
        open(mark, anchor);
    }
    void OnMapEnd() override { close(); }

private:
    struct Frame
    {
        size_t count;
        YAML::anchor_t anchor;
        YAML::Mark mark;
    };

    void add(const YAML::Mark &mark, size_t n)
    {
        // saturating: counts stay below 2 * limit
        m_total = n > m_limit ? m_limit + 1 : m_total + n;
        if (m_total > m_limit)
            throw TooLarge{mark};
        if (!m_stack.empty())
            m_stack.back().count += n;
    }
    void leaf(const YAML::Mark &mark, YAML::anchor_t anchor, size_t n)
    {
        add(mark, n);
        if (anchor != YAML::NullAnchor)
            m_anchors[anchor] = n;
    }
    void open(const YAML::Mark &mark, YAML::anchor_t anchor) { m_stack.push_back({1, anchor, mark}); }
    void close()
    {
        if (m_stack.empty())
            return;
        const Frame f = m_stack.back();
        m_stack.pop_back();
        // the frame's own count already went into the parent's running total through add()
        // only for leaves; add the collection node itself and let the parent know its size
        m_total = m_total + 1 > m_limit ? m_limit + 1 : m_total + 1;
        if (m_total > m_limit)
            throw TooLarge{f.mark};
        if (!m_stack.empty())
            m_stack.back().count += f.count;
        if (f.anchor != YAML::NullAnchor)
            m_anchors[f.anchor] = f.count;
    }

    size_t m_limit;
    size_t m_total = 0;
    std::vector<Frame> m_stack;
    std::unordered_map<YAML::anchor_t, size_t> m_anchors;
};

} // namespace

bool loadYamlBounded(const std::string &text, const std::string &label, YAML::Node &root, std::string &error,
                     const YamlLimits &limits)
{
    if (text.size() > limits.maxBytes) {
        error = label + ": the file is larger than " + std::to_string(limits.maxBytes >> 20) + " MB; refused";
        return false;
    }
    try {
        std::istringstream in(text);
        YAML::Parser parser(in);
        SizeCounter counter(limits.maxNodes);
        parser.HandleNextDocument(counter);
    } catch (const TooLarge &t) {
        error = label + ":" + std::to_string(t.mark.line + 1) + ": the YAML expands to more than "
                + std::to_string(limits.maxNodes) + " nodes (aliases of aliases?); refused";
        return false;
    } catch (const YAML::Exception &e) {
        error = label + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg;
        return false;
    } catch (const std::exception &e) {
        error = label + ": not valid YAML: " + e.what();
        return false;
    }
    try {
        root = YAML::Load(text);
    } catch (const YAML::Exception &e) {
        error = label + ":" + std::to_string(e.mark.line + 1) + ": not valid YAML: " + e.msg;
        return false;
    } catch (const std::exception &e) {
        error = label + ": not valid YAML: " + e.what();
        return false;
    }
    return true;
}

} // namespace auditlens::intake
