#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""`auditlens-cli search` against a plain reading of the records.

Writes audit records (nested fields, arrays, numbers, booleans, nulls, phrases; v1 and v2),
then runs each query through `auditlens-cli search --count` and `--format raw` and compares
the count and the matched IDs with what a hand-written Python predicate finds reading the same
records one by one. Nothing here knows the CLI's answers: every expected figure is computed
from the records written below. Usage: search_agreement.py AUDITLENS_CLI
"""
import datetime
import fnmatch
import json
import os
import random
import subprocess
import sys
import tempfile

CLI = sys.argv[1]

rng = random.Random(15)
EMAILS = ["alice@example.com", "alice.b@example.org", "bob@example.com", "carol@corp.example", None]
ACTIONS = ["create", "update", "delete", "login", "rotate"]
TYPES = ["zone", "zone_setting", "account", "member", "dns_record"]
ZONES = ["example.com", "example.org", "shop.example", "my zone"]
PHRASES = ["changed by terraform", "manual change", "terraform plan applied", "Changed By Hand"]


def record(i):
    v2 = i % 7 == 0
    when = datetime.datetime(2023, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(minutes=137 * i)
    r = {"ID" if not v2 else "AuditLogID": "rec-%04d" % i}
    email = EMAILS[rng.randrange(len(EMAILS))]
    if email:
        r["ActorEmail"] = email
    r["ActionType"] = ACTIONS[rng.randrange(len(ACTIONS))]
    r["ActionResult"] = rng.random() < 0.8
    r["ResourceType"] = TYPES[rng.randrange(len(TYPES))]
    r["When" if not v2 else "ActionTimestamp"] = when.strftime("%Y-%m-%dT%H:%M:%SZ")
    meta = {}
    if rng.random() < 0.7:
        meta["zone_name"] = ZONES[rng.randrange(len(ZONES))]
    if rng.random() < 0.6:
        meta["count"] = rng.randrange(0, 20)
    if rng.random() < 0.3:
        meta["ratio"] = rng.choice([0.5, 1.25, 2.0, 10.0])
    if rng.random() < 0.4:
        meta["note"] = PHRASES[rng.randrange(len(PHRASES))]
    if rng.random() < 0.1:
        meta["zone_name"] = None
    r["Metadata"] = meta
    nv = {}
    if rng.random() < 0.6:
        nv["enabled"] = rng.random() < 0.5
    if rng.random() < 0.5:
        nv["settings"] = [{"id": rng.choice(["ssl", "waf", "cache", "ipv6"]), "value": rng.randrange(0, 3)}
                          for _ in range(rng.randrange(0, 4))]
    if rng.random() < 0.4:
        nv["precedence"] = rng.randrange(0, 3000)
    if rng.random() < 0.3:
        nv["tags"] = rng.sample(["prod", "dev", "edge", "legacy"], rng.randrange(1, 3))
    r["NewValue"] = nv if nv or rng.random() < 0.5 else None
    return r


RECORDS = [record(i) for i in range(600)]


def values(rec, path):
    """Every leaf value at a dotted path; arrays on the way and at the end are looked into."""
    out = []

    def walk(v, keys):
        if isinstance(v, list):
            for e in v:
                walk(e, keys)
            return
        if not keys:
            out.append(v)
            return
        if isinstance(v, dict) and keys[0] in v:
            walk(v[keys[0]], keys[1:])

    walk(rec, path.split("."))
    return out


def is_num(v):
    return isinstance(v, (int, float)) and not isinstance(v, bool)


def eq(path, x):
    """field:x unquoted: strings exactly, booleans by true/false, numbers numerically."""
    def p(rec):
        for v in values(rec, path):
            if isinstance(x, bool):
                if isinstance(v, bool) and v == x:
                    return True
            elif is_num(x):
                if is_num(v) and v == x:
                    return True
            elif isinstance(v, str) and v == x:
                return True
        return False
    return p


def wild(path, pattern):
    return lambda rec: any(isinstance(v, str) and fnmatch.fnmatchcase(v, pattern) for v in values(rec, path))


def exists(path):
    return lambda rec: any(v is not None for v in values(rec, path))


def num_cmp(path, op, x):
    ops = {">": lambda a: a > x, ">=": lambda a: a >= x, "<": lambda a: a < x, "<=": lambda a: a <= x}
    return lambda rec: any(is_num(v) and ops[op](v) for v in values(rec, path))


def time_between(path, lo, hi):
    lo_t = datetime.datetime.fromisoformat(lo).replace(tzinfo=datetime.timezone.utc)
    hi_t = datetime.datetime.fromisoformat(hi).replace(tzinfo=datetime.timezone.utc)

    def p(rec):
        for v in values(rec, path):
            if isinstance(v, str):
                t = datetime.datetime.strptime(v, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=datetime.timezone.utc)
                if lo_t <= t < hi_t:
                    return True
        return False
    return p


def text(needle, line):
    return needle.lower() in line.lower()


def AND(*ps):
    return lambda rec: all(p(rec) for p in ps)


def OR(*ps):
    return lambda rec: any(p(rec) for p in ps)


def NOT(p):
    return lambda rec: not p(rec)


LINES = {}
QUERIES = [
    ("ActionType:update", eq("ActionType", "update")),
    ("ActorEmail:alice*", wild("ActorEmail", "alice*")),
    ("ActorEmail:*@example.com", wild("ActorEmail", "*@example.com")),
    ("ResourceType:zone_?etting", wild("ResourceType", "zone_?etting")),
    ("Metadata.zone_name:example.com", eq("Metadata.zone_name", "example.com")),
    ('Metadata.zone_name:"my zone"', eq("Metadata.zone_name", "my zone")),
    ('Metadata.note:"terraform plan applied"', eq("Metadata.note", "terraform plan applied")),
    ("Metadata.count:5", eq("Metadata.count", 5)),
    ("Metadata.ratio:2", eq("Metadata.ratio", 2)),
    ("Metadata.ratio >= 1.25", num_cmp("Metadata.ratio", ">=", 1.25)),
    ("NewValue.enabled:false", eq("NewValue.enabled", False)),
    ("NewValue.enabled:true", eq("NewValue.enabled", True)),
    ("ActionResult:false", eq("ActionResult", False)),
    ("NewValue.settings.id:waf", eq("NewValue.settings.id", "waf")),
    ("NewValue.settings.value > 1", num_cmp("NewValue.settings.value", ">", 1)),
    ("NewValue.tags:(prod or legacy)", OR(eq("NewValue.tags", "prod"), eq("NewValue.tags", "legacy"))),
    ("NewValue.precedence > 1000", num_cmp("NewValue.precedence", ">", 1000)),
    ("NewValue.precedence <= 10", num_cmp("NewValue.precedence", "<=", 10)),
    ("NewValue.precedence < 1000 and NewValue.precedence >= 500",
     AND(num_cmp("NewValue.precedence", "<", 1000), num_cmp("NewValue.precedence", ">=", 500))),
    ("When >= 2023-02-01 and When < 2023-03-01", time_between("When", "2023-02-01", "2023-03-01")),
    ("Metadata.zone_name:*", exists("Metadata.zone_name")),
    ("NewValue:*", exists("NewValue")),
    ("NewValue.settings:*", exists("NewValue.settings")),
    ("AuditLogID:*", exists("AuditLogID")),
    ("not ActionResult:true", NOT(eq("ActionResult", True))),
    ("not Metadata.zone_name:*", NOT(exists("Metadata.zone_name"))),
    ("ActionType:(create or delete)", OR(eq("ActionType", "create"), eq("ActionType", "delete"))),
    ("ActionType:create or ResourceType:member and not NewValue.enabled:true",
     OR(eq("ActionType", "create"), AND(eq("ResourceType", "member"), NOT(eq("NewValue.enabled", True))))),
    ("(ActionType:create or ResourceType:member) and not NewValue.enabled:true",
     AND(OR(eq("ActionType", "create"), eq("ResourceType", "member")), NOT(eq("NewValue.enabled", True)))),
    ("ActorEmail:alice* and (Metadata.count >= 10 or NewValue.settings.id:ssl)",
     AND(wild("ActorEmail", "alice*"), OR(num_cmp("Metadata.count", ">=", 10), eq("NewValue.settings.id", "ssl")))),
    ("terraform", lambda rec: text("terraform", LINES[id(rec)])),
    ("TERRAFORM and not Metadata.note:\"manual change\"",
     AND(lambda rec: text("terraform", LINES[id(rec)]), NOT(eq("Metadata.note", "manual change")))),
    ("Metadata.missing:*", exists("Metadata.missing")),
]


def record_id(rec):
    return rec.get("ID", rec.get("AuditLogID"))


def main():
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "records.ndjson")
        with open(path, "w", encoding="utf-8") as f:
            for rec in RECORDS:
                line = json.dumps(rec, separators=(",", ":"))
                LINES[id(rec)] = line
                f.write(line + "\n")
        for query, pred in QUERIES:
            want = [record_id(r) for r in RECORDS if pred(r)]
            run = subprocess.run([CLI, "search", "--count", query, path], capture_output=True, text=True, timeout=60)
            got_count = run.stdout.strip()
            raw = subprocess.run([CLI, "search", query, path], capture_output=True, text=True, timeout=60)
            got = [record_id(json.loads(line)) for line in raw.stdout.splitlines() if line]
            ok = run.returncode == 0 and raw.returncode == 0 and got_count == str(len(want)) and got == want
            print("%s %-75s expected %4d, search --count %s" % ("ok  " if ok else "FAIL", query, len(want), got_count))
            if not ok:
                failures += 1
                if run.stderr or raw.stderr:
                    print("    stderr: " + (run.stderr or raw.stderr).strip())
                missing = sorted(set(want) - set(got))[:5]
                extra = sorted(set(got) - set(want))[:5]
                print("    missing %s, extra %s" % (missing, extra))
        # the default CSV columns come from the store's columns (built only for this format)
        query = "ActionType:update"
        csv = subprocess.run([CLI, "search", "--format", "csv", query, path], capture_output=True, text=True,
                             timeout=60)
        rows = csv.stdout.splitlines()[1:]
        want = [r for r in RECORDS if eq("ActionType", "update")(r)]
        actors = [row.split(",")[1] for row in rows]
        ok = csv.returncode == 0 and actors == [r.get("ActorEmail", "") for r in want]
        print("%s csv actor column of %s" % ("ok  " if ok else "FAIL", query))
        failures += 0 if ok else 1
        # every query above must select something and leave something out, or it proves little
        trivial = [q for q, p in QUERIES[:-1] if sum(map(p, RECORDS)) in (0, len(RECORDS))]
        if trivial:
            print("FAIL queries that select all or nothing of the records: %s" % trivial)
            failures += 1
    print("%d of %d checks failed" % (failures, len(QUERIES) + 2))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
