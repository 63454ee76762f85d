#!/usr/bin/env python3
"""check_layers.py - the house's two structural rules, checked from the sources themselves.

1. Includes point only down the floors: util <- core rooms (db, auth, http, core/module) <- crm
   <- modules <- cli and main.c. A file may include its own floor or one below; a module may
   include the core, crm and itself, never another module.
2. The core (src/core, src/crm, db/ and web/src outside modules' folders) names no industry:
   none of WORDS appears, but on the lines a reasoned exception in ALLOWED lets through.

Prints one "ok"/"not ok" line per rule and exits 1 when one fails (run by scripts/test.sh);
arguments name the rules to check ("includes", "words"), all by default.
"""
import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FLOORS = {"core/util": 0, "core/db": 1, "core/auth": 1, "core/http": 1, "core": 1, "crm": 2,
          "modules": 3, "cli": 4, "": 4}
INCLUDE = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
WORDS = re.compile(r"patient|practitioner|appointment|clinic|fhir|receptionist", re.I)
# The reasoned exceptions: (path, line, why), two regular expressions and the reason. A line of
# a file may name one of WORDS when path matches the file's whole path relative to the root
# (re.fullmatch) and line matches somewhere in the line (re.search).
ALLOWED = [
    (r"db/migrations/00(0[1-9]|1[0-9]|2[01])_[a-z0-9_]+\.sql", r".",
     "an applied migration is never edited (its checksum is checked): it keeps the words it "
     "was written with, and later migrations replace what it defined"),
    (r"db/migrations/0022_contact_types_subjects\.sql", r"patient_id|audit_log_patient",
     "renames the audit log's column and index that core 0007 named"),
    (r"src/crm/(audit|module)\.c|src/crm/audit\.sql", r"patient_id",
     "the audit API's published field and filter keep their first name beside subject_id"),
    (r"src/crm/openapi\.json", r'"patient_id"',
     "documents that published name, as a deprecated alias of subject_id"),
    (r"src/crm/openapi\.json", r'^ *"clinic"$',
     "an example of a module's name in the modules API: the one industry module there is"),
    (r"src/core/http/openapi\.json", r'"title": "CRM for clinics"',
     "the product's name, in the API document's title"),
    (r"web/src/screens/signin/strings\.ts", r"^  (subtitle|tenantLabel|tenantHint|badCredentials|"
     r"suspended): ", "the sign-in page is the product's front door: staff know their tenant "
     "as their clinic, and the field asks for it by that name"),
]
ALLOWED = [(re.compile(path), re.compile(line), why) for path, line, why in ALLOWED]
# Made by the build from the whole server's OpenAPI document (modules included), not written.
GENERATED = {"web/src/api/openapi.json", "web/src/api/schema.d.ts"}


def allowed(rel, line):
    """Whether a reasoned exception lets this line of the file at rel name one of WORDS."""
    return any(path.fullmatch(rel) and pattern.search(line) for path, pattern, _ in ALLOWED)


def floor_of(rel):
    """The floor and room of a path under src/ ("core/db/db.h" -> (1, "core/db"))."""
    parts = rel.split("/")
    if parts[0] == "modules":
        room = "/".join(parts[:2]) if len(parts) > 2 else "modules"
        return FLOORS["modules"], room
    for depth in (2, 1):
        room = "/".join(parts[:depth]) if len(parts) > depth else None
        if room in FLOORS:
            return FLOORS[room], room
    return FLOORS[""], ""


def include_problems():
    problems = []
    src = os.path.join(ROOT, "src")
    for dirpath, _, names in os.walk(src):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, name)
            rel = os.path.relpath(path, src)
            floor, room = floor_of(rel)
            with open(path, encoding="utf-8") as f:
                text = f.read()
            for target in INCLUDE.findall(text):
                if "/" not in target:
                    continue  # generated headers (crm_build.h) and system ones
                tfloor, troom = floor_of(target)
                if tfloor > floor:
                    problems.append(f"src/{rel} includes {target}: floor {tfloor} above {floor}")
                elif (room.startswith("modules/") and troom.startswith("modules/")
                      and troom != room):
                    problems.append(f"src/{rel} includes {target}: another module")
    return problems


def word_problems():
    problems = []
    for top in ("src/core", "src/crm", "db", "web/src"):
        base = os.path.join(ROOT, top)
        for dirpath, dirs, names in os.walk(base):
            dirs[:] = [d for d in dirs if d not in ("modules", "node_modules")]
            for name in sorted(names):
                path = os.path.join(dirpath, name)
                rel = os.path.relpath(path, ROOT)
                if rel in GENERATED:
                    continue
                try:
                    with open(path, encoding="utf-8") as f:
                        lines = f.read().splitlines()
                except UnicodeDecodeError:
                    continue
                for no, line in enumerate(lines, 1):
                    if allowed(rel, line):
                        continue
                    for m in WORDS.finditer(line):
                        problems.append(f"{rel}:{no}: {m.group(0)}: {line.strip()[:100]}")
    return problems


def main():
    failed = False
    rules = {"includes": ("includes point down the floors", include_problems),
             "words": ("the core names no industry", word_problems)}
    for arg in sys.argv[1:] or rules:
        what, find = rules[arg]
        problems = find()
        if problems:
            failed = True
            print("\n".join(problems[:200]))
            if len(problems) > 200:
                print(f"... and {len(problems) - 200} more")
            print(f"not ok - {what}: {len(problems)} problems")
        else:
            print(f"ok - {what}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
