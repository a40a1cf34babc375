// SPDX-License-Identifier: MIT
// Taxonomy::addFieldsYaml under AddressSanitizer (.ci/steps/30-asan-intake.sh): it once kept a
// reference into a temporary of yaml-cpp's map iterator (stack-use-after-scope on every
// normalize and validate). Built from taxonomy.cpp and yamlguard.cpp alone, so it takes seconds.
#include "intake/taxonomy.h"

#include <cstdio>

// taxonomy.cpp registers the core's resources for Taxonomy::builtin(), which is not used here
int qInitResources_auditlens_core() { return 1; }

int main()
{
    auditlens::intake::Taxonomy t;
    std::string err;
    const bool ok = t.addFieldsYaml("a:\n  name: a.b\n  type: long\nc:\n  name: c\n  type: keyword\n", "fields.yml", err);
    const auto *ab = t.find("a.b");
    const bool bad = !t.addFieldsYaml("f: [1, 2]\n", "fields.yml", err);
    std::printf("declared: %d, a.b: %s, a list refused: %d\n", ok, ab ? ab->type.c_str() : "-", bad);
    return ok && ab && ab->type == "long" && t.find("c") && bad ? 0 : 1;
}
