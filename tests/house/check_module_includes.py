#!/usr/bin/env python3
"""engine/src/README.md's "may include" table against the real #include lines.

Every file under engine/src/<module>/ may include the internal headers ("<module>/...") of its
own module and of the modules its row lists, and any public header ("cjsim/..."); anything else
is reported with its file and line. A module folder missing from the table, or a row naming a
module that does not exist, fails too. Usage: check_module_includes.py SOURCE_DIR
"""
import os
import re
import sys

source = sys.argv[1]
src = os.path.join(source, "engine", "src")
with open(os.path.join(src, "README.md"), encoding="utf-8") as f:
    readme = f.read()

allowed = {}  # in table order
for line in readme.splitlines():
    m = re.match(r"\| `([a-z_]+)/` \|.*\| ([^|]*) \|$", line)
    if not m:
        continue
    names = re.findall(r"\b([a-z_]+)\b(?: \([^)]*\))?", re.sub(r"\([^)]*\)", "", m.group(2)))
    allowed[m.group(1)] = {n for n in names if n not in ("nothing", "else")}

problems = []
modules = sorted(d for d in os.listdir(src) if os.path.isdir(os.path.join(src, d)))
for module in modules:
    if module not in allowed:
        problems.append(f"engine/src/{module}/ has no row in engine/src/README.md")
order = list(allowed)
for module, names in allowed.items():
    for n in sorted(names | {module}):
        if n not in modules:
            problems.append(f"engine/src/README.md: the row of {module}/ names '{n}', no such module")
        elif n != module and n in order and order.index(n) > order.index(module):
            problems.append(f"engine/src/README.md: {module}/ may include {n}/, which comes after it")

include = re.compile(r'^\s*#\s*include\s+"([a-z_]+)/')
for module in modules:
    ok = allowed.get(module, set()) | {module, "cjsim"}
    for root, _, files in os.walk(os.path.join(src, module)):
        for name in sorted(files):
            if not name.endswith((".cpp", ".hpp", ".in")):
                continue
            path = os.path.join(root, name)
            with open(path, encoding="utf-8") as f:
                for number, text in enumerate(f, 1):
                    m = include.match(text)
                    if m and m.group(1) not in ok:
                        rel = os.path.relpath(path, source)
                        problems.append(f"{rel}:{number}: {module}/ includes {m.group(1)}/, which "
                                        f"engine/src/README.md does not allow")

for p in problems:
    print(p)
if problems:
    print(f"{len(problems)} problem(s): fix the include or the table (one module may include the "
          f"internal headers of those before it)")
    sys.exit(1)
print(f"ok: {len(modules)} modules include only what engine/src/README.md allows")
