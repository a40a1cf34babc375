#!/usr/bin/python3
# SPDX-License-Identifier: MIT
"""Writes the seed's samples as test fixtures (run once; the fixtures are committed).

tests/data/seed/raw_samples.json       the five "Raw Events Samples", pretty-printed one after another
tests/data/seed/expected_ecs.ndjson     the five "Transformed Events Samples", one per line
"""
import json
import os
import sys

here = os.path.dirname(os.path.abspath(__file__))
root = os.path.dirname(here)
seed = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(root), "shared", "seed", "000_bdb7387f9fd12048.txt")
text = open(seed, encoding="utf-8").read()


def objects(section):
    dec = json.JSONDecoder()
    out, spans, i = [], [], 0
    while True:
        i = section.find("\n{", i)
        if i < 0:
            return out, spans
        obj, end = dec.raw_decode(section, i + 1)
        out.append(obj)
        spans.append(section[i + 1:end])
        i = end


raw_part = text[text.index("Raw Events Samples"):text.index("Detection section")]
ecs_part = text[text.index("Transformed Events Samples after Ingestion"):text.index("Extracted Fields")]
_, raw_texts = objects(raw_part)
ecs, _ = objects(ecs_part)
assert len(raw_texts) == 5 and len(ecs) == 5, (len(raw_texts), len(ecs))
out = os.path.join(root, "tests", "data", "seed")
os.makedirs(out, exist_ok=True)
with open(os.path.join(out, "raw_samples.json"), "w") as f:
    f.write("\n".join(raw_texts) + "\n")
with open(os.path.join(out, "expected_ecs.ndjson"), "w") as f:
    for e in ecs:
        f.write(json.dumps(e, ensure_ascii=False) + "\n")
print("wrote", out)
