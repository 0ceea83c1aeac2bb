#!/usr/bin/env python3
"""Writes the licences of every crate compiled into the pullcheck binary (normal dependencies,
all platforms), with each crate's licence and notice files, to standard output as Markdown.
The release archives carry it as THIRD-PARTY-LICENSES.md (MIT and Apache-2.0 ask that the
notices travel with the binaries).

    scripts/third-party-licenses.py [MANIFEST_DIR] > THIRD-PARTY-LICENSES.md

Exit 1 when a crate has no licence expression (cargo deny's licence check catches that too).
"""
import json
import pathlib
import re
import subprocess
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else pathlib.Path(__file__).parent.parent)
meta = json.loads(
    subprocess.run(
        ["cargo", "metadata", "--locked", "--format-version", "1"],
        cwd=root, check=True, capture_output=True, text=True,
    ).stdout
)
packages = {p["id"]: p for p in meta["packages"]}
nodes = {n["id"]: n for n in meta["resolve"]["nodes"]}
top = meta["resolve"]["root"] or next(p["id"] for p in meta["packages"] if p["name"] == "pullcheck")

# The closure over normal dependencies: what is linked into the binary. Build scripts and
# proc macros run at build time only, dev-dependencies only for tests.
seen, stack = set(), [top]
while stack:
    pid = stack.pop()
    if pid in seen:
        continue
    seen.add(pid)
    for dep in nodes[pid]["deps"]:
        kinds = {k["kind"] for k in dep["dep_kinds"]}
        proc_macro = any("proc-macro" in t["kind"] for t in packages[dep["pkg"]]["targets"])
        if None in kinds and not proc_macro:
            stack.append(dep["pkg"])
seen.discard(top)

NOTICE = re.compile(r"^(LICEN[CS]E|COPYING|NOTICE|UNLICENSE|COPYRIGHT)", re.IGNORECASE)
out = ["# Third-party licences", "",
       "pullcheck is MIT OR Apache-2.0. The binary also contains these crates:", ""]
missing = []
crates = sorted((packages[p] for p in seen), key=lambda p: (p["name"], p["version"]))
for p in crates:
    out.append(f"- {p['name']} {p['version']}: {p['license'] or 'NO LICENCE GIVEN'}")
    if not p["license"]:
        missing.append(p["name"])
out.append("")
# Each distinct text once, with the crates whose package ships it.
texts = {}
for p in crates:
    pkg_dir = pathlib.Path(p["manifest_path"]).parent
    files = sorted(f for f in pkg_dir.rglob("*")
                   if f.is_file() and NOTICE.match(f.name) and len(f.relative_to(pkg_dir).parts) <= 2)
    if not files:
        texts.setdefault(f"(no licence file in the package: {p['license']}; the MIT and Apache-2.0"
                         " texts are pullcheck's LICENSE-MIT and LICENSE-APACHE)", []).append(p)
    for f in files:
        text = f.read_text(encoding="utf-8", errors="replace").strip().replace("```", "'''")
        texts.setdefault(text, []).append(p)
# Source folded into the crate (it is not a dependency, so cargo metadata does not list it): a
# directory under src/ with a PULLCHECK-PATCH.md naming the original crate, and its licence files.
for patch in sorted((root / "src").rglob("PULLCHECK-PATCH.md")):
    folded = patch.parent
    first = patch.read_text(encoding="utf-8").splitlines()[0].lstrip("# ")
    name, version = first.split()[0], first.split()[1].rstrip(",")
    where = folded.relative_to(root).as_posix()
    out.insert(len(out) - 1, f"- {name} {version}: MIT OR Apache-2.0 (folded into {where})")
    users = [{"name": name, "version": version}]
    for f in sorted(x for x in folded.rglob("*") if x.is_file() and (NOTICE.match(x.name) or ".licenses" in x.parts)):
        text = f.read_text(encoding="utf-8", errors="replace").strip().replace("```", "'''")
        texts.setdefault(text, []).extend(users)
for text, users in texts.items():
    names = ", ".join(f"{p['name']} {p['version']}" for p in users)
    out += [f"## {names}", "", "```text", text, "```", ""]
sys.stdout.write("\n".join(out) + "\n")
if missing:
    print("third-party-licenses: no licence for " + ", ".join(missing), file=sys.stderr)
    sys.exit(1)
