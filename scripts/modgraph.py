#!/usr/bin/env python3
"""The module graph of src/: which file uses which, through `use crate::`,
`use super::` and inline `crate::`/`super::` paths.

    scripts/modgraph.py            fail (exit 1) when files import each other in a
                                   circle, a wing reaches up into a command, the
                                   settings or the config, anything but main.rs
                                   imports commands/, or one command another
    scripts/modgraph.py --folders  print the edges between top-level folders (wings)
    scripts/modgraph.py --edges    print every file-to-file edge

A `mod` declaration is not an edge; a `pub use child::X` re-export is. Unit
tests (an inline `#[cfg(test)] mod NAME { }`) are not counted: they may drive
a module through its front door.
"""
import os
import re
import sys

SRC = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "src")
IDENT = r"[A-Za-z_][A-Za-z0-9_]*"


def module_files():
    """Module path (tuple) -> file, for every .rs file under src."""
    mods = {}
    for root, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith(".rs"):
                continue
            rel = os.path.relpath(os.path.join(root, f), SRC)
            parts = rel[:-3].split(os.sep)
            if parts in (["main"], ["lib"]):
                parts = []
            elif parts[-1] == "mod":
                parts = parts[:-1]
            mods[tuple(parts)] = rel
    return mods


def strip(text):
    """Blank out comments, string and char literals, keeping offsets."""
    out = list(text)
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            out[i:j] = " " * (j - i)
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        elif c == "r" and re.match(r'r(#*)"', text[i:i + 10]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_")):
            m = re.match(r'r(#*)"', text[i:])
            end = '"' + m.group(1)
            j = text.find(end, i + len(m.group(0)))
            j = n if j < 0 else j + len(end)
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        elif c == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(n, j + 1)
            out[i:j] = [ch if ch == "\n" else " " for ch in text[i:j]]
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4] + " "):
            m = re.match(r"'(\\[^']*|[^\\'])'", text[i:])
            j = i + (len(m.group(0)) if m else 1)
            out[i:j] = " " * (j - i)
            i = j
        else:
            i += 1
    return "".join(out)


def inline_mods(code):
    """(start, end, name, test) spans of inline `mod name { ... }` blocks;
    `test` when the block is compiled for tests only (`#[cfg(test)]`)."""
    spans = []
    for m in re.finditer(r"\bmod\s+(" + IDENT + r")\s*\{", code):
        test = re.search(r"#\[cfg\(test\)\]\s*(?:pub(?:\([a-z]+\))?\s+)?$", code[: m.start()]) is not None
        depth, j = 0, m.end() - 1
        while j < len(code):
            if code[j] == "{":
                depth += 1
            elif code[j] == "}":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        spans.append((m.start(), j, m.group(1), test))
    return spans


def expand_use(tree):
    """`a::{b, c::{d, e}}` -> [[a,b],[a,c,d],[a,c,e]]."""
    tree = re.sub(r"\s+", "", tree)
    res = []

    def walk(prefix, s):
        # split s at top-level commas
        parts, depth, cur = [], 0, ""
        for ch in s:
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
            if ch == "," and depth == 0:
                parts.append(cur)
                cur = ""
            else:
                cur += ch
        if cur:
            parts.append(cur)
        for p in parts:
            if "{" in p:
                head, rest = p.split("{", 1)
                walk(prefix + [x for x in head.split("::") if x], rest[:-1])
            else:
                p = p.split("as")[0] if re.search(r"\bas\b", p) else p
                res.append(prefix + [x for x in p.split("::") if x])

    walk([], tree)
    return res


def resolve(mods, here, path):
    """The file a path points into, or None when it leaves the crate."""
    if not path:
        return None
    if path[0] == "crate":
        base, rest = (), path[1:]
    elif here + (path[0],) in mods:
        base, rest = here, path
    elif path[0] in ("super", "self"):
        base = list(here)
        rest = path
        while rest and rest[0] in ("super", "self"):
            if rest[0] == "super":
                base = base[:-1]
            rest = rest[1:]
        base = tuple(base)
    else:
        return None
    best = base
    for k in range(1, len(rest) + 1):
        cand = base + tuple(rest[:k])
        if cand in mods:
            best = cand
        else:
            break
    return best


def edges():
    mods = module_files()
    out = {}
    for modpath, rel in mods.items():
        code = strip(open(os.path.join(SRC, rel), encoding="utf-8").read())
        spans = inline_mods(code)

        def in_tests(pos):
            return any(s <= pos <= e and test for s, e, _, test in spans)

        def here_at(pos):
            inner = modpath
            for s, e, name, _ in spans:
                if s <= pos <= e:
                    inner = inner + (name,)
            return inner

        targets = set()
        for m in re.finditer(r"\buse\s+(" + IDENT + r"\s*::[^;]*);", code):
            if in_tests(m.start()):
                continue
            for path in expand_use(m.group(1)):
                t = resolve(mods, here_at(m.start()), path)
                if t is not None:
                    targets.add(t)
        for m in re.finditer(r"(?<![A-Za-z0-9_:])(" + IDENT + r"(?:\s*::\s*" + IDENT + r")+)", code):
            if in_tests(m.start()):
                continue
            path = [x.strip() for x in m.group(1).split("::")]
            t = resolve(mods, here_at(m.start()), path)
            if t is not None:
                targets.add(t)
        out[rel] = sorted({mods[t] for t in targets if t in mods and mods[t] != rel})
    return out


def cycles(graph):
    """Strongly connected components with more than one file (Tarjan)."""
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, []):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                comps.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return comps


# The wings and the floor sit below the commands: they never import the
# config, the settings, the CLI or a command. Commands turn config into
# typed settings and hand them down.
LOW = ("notify", "images", "commits", "state", "net", "bus", "chatops", "util", "exit.rs")
HIGH = ("config", "settings", "cli.rs", "main.rs", "commands")


def upward(graph):
    """Edges from a low module up into a command, the settings or the config."""
    return [(f, t) for f, ts in sorted(graph.items()) for t in ts
            if f.split(os.sep)[0] in LOW and t.split(os.sep)[0] in HIGH]


def into_commands(graph):
    """Edges into commands/ from anywhere but main.rs and commands/ itself:
    only main dispatches to a command."""
    return [(f, t) for f, ts in sorted(graph.items()) for t in ts
            if t.split(os.sep)[0] == "commands" and f != "main.rs"
            and f.split(os.sep)[0] != "commands"]


def across_commands(graph):
    """Edges from one command into another's module: a command never calls
    another command (commands/mod.rs, the room's index, aside)."""
    def command(rel):
        parts = rel.split(os.sep)
        if parts[0] != "commands" or len(parts) < 2 or parts[1] == "mod.rs":
            return None
        return parts[1][:-3] if parts[1].endswith(".rs") else parts[1]
    return [(f, t) for f, ts in sorted(graph.items()) for t in ts
            if command(f) and command(t) and command(f) != command(t)]


def folder(rel):
    parts = rel.split(os.sep)
    return parts[0] if len(parts) > 1 else rel[:-3]


def main():
    graph = edges()
    if "--edges" in sys.argv:
        for f, ts in sorted(graph.items()):
            for t in ts:
                print(f"{f} -> {t}")
        return 0
    if "--folders" in sys.argv:
        pairs = sorted({(folder(f), folder(t)) for f, ts in graph.items() for t in ts if folder(f) != folder(t)})
        for a, b in pairs:
            print(f"{a} -> {b}")
        return 0
    comps = cycles(graph)
    up = upward(graph)
    into = into_commands(graph)
    across = across_commands(graph)
    if not comps and not up and not into and not across:
        print(f"modgraph: {len(graph)} files, no import circle, no wing imports a command, "
              "only main imports commands/")
        return 0
    for f, t in up:
        print(f"a wing reaches up: {f} -> {t}", file=sys.stderr)
    for f, t in into:
        print(f"only main.rs may import a command: {f} -> {t}", file=sys.stderr)
    for f, t in across:
        print(f"a command reaches into another: {f} -> {t}", file=sys.stderr)
    for comp in comps:
        inside = set(comp)
        print(f"import circle among {len(comp)} files:", file=sys.stderr)
        for f in comp:
            for t in graph[f]:
                if t in inside:
                    print(f"  {f} -> {t}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
