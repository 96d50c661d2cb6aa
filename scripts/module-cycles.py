#!/usr/bin/env python3
"""Import cycles among the library's modules (src/ and actors/).

Usage: scripts/module-cycles.py [--graph]

Reads the module tree from src/lib.rs (following `mod` declarations and the
one `#[path]`), then every path a module names: its `use` declarations and
the `crate::`, `super::`, `self::` and child-module paths in its code. Each
path is resolved to the module that defines the item, through re-exports
and imports, so `use crate::store::Batch` is an edge to src/store/batch.rs,
not to src/store/mod.rs. Test modules (`#[cfg(test)] mod ... { }`),
comments and string literals are left out; owning a module (`mod x;`) is
not an edge. Every strongly connected set of more than one module is
printed with the references that tie it; the exit status is 1 if there is
any. `--graph` prints every edge instead (`from -> to`).

It is a reader of Rust source, not a compiler: it knows `use` trees,
`pub use` re-exports, `mod` files and `#[path]`, which is all this crate
uses. scripts/test.sh runs it.
"""

import os
import re
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))

ITEM = re.compile(
    r"^(?:pub(?:\([^)]*\))?\s+)?(?:(?:unsafe|async|const|extern\s+\"C\")\s+)*"
    r"(struct|enum|fn|trait|type|const|static|union|mod)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)
MACRO = re.compile(r"^macro_rules!\s*([A-Za-z_][A-Za-z0-9_]*)", re.M)
MOD_DECL = re.compile(
    r"((?:^\s*#\[[^\]]*\]\s*\n)*)^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+([A-Za-z_][A-Za-z0-9_]*)\s*;",
    re.M,
)
PATH_ATTR = re.compile(r'#\[path\s*=\s*"([^"]+)"\]')
USE = re.compile(r"^\s*(pub(?:\([^)]*\))?\s+)?use\s+([^;]+);", re.M)
PATH = re.compile(r"\b((?:crate|super|self)(?:\s*::\s*[A-Za-z_][A-Za-z0-9_]*)+)")


def strip(text):
    """Comments and string/char literals blanked, keeping line numbers."""
    out = []
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
            i = j
        elif text.startswith("/*", i):
            j = text.find("*/", i + 2)
            j = n if j < 0 else j + 2
            out.append("\n" * text.count("\n", i, j))
            i = j
        elif c == '"' or (c == "r" and re.match(r'r#*"', text[i:i + 8]) and (i == 0 or not (text[i - 1].isalnum() or text[i - 1] == "_"))):
            if c == "r":
                m = re.match(r'r(#*)"', text[i:])
                end = '"' + m.group(1)
                j = text.find(end, i + len(m.group(0)))
                j = n if j < 0 else j + len(end)
            else:
                j = i + 1
                while j < n and text[j] != '"':
                    j += 2 if text[j] == "\\" else 1
                j += 1
            out.append('""' + "\n" * text.count("\n", i, j))
            i = j
        elif c == "'" and re.match(r"'(\\.|[^\\'])'", text[i:i + 4]):
            j = text.find("'", i + 2 if text[i + 1] != "\\" else i + 3) + 1
            out.append("' '")
            i = j
        else:
            out.append(c)
            i += 1
    return "".join(out)


def flatten_inline_modules(text):
    """Inside an inline `mod name { ... }` (not a test module), `super::`
    names the file's module: the inline module is read as part of it."""
    out, pos = [], 0
    for m in re.finditer(r"(?:pub(?:\([^)]*\))?\s+)?mod\s+\w+\s*\{", text):
        if m.start() < pos:
            continue
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        out.append(text[pos:m.end()])
        out.append(re.sub(r"\bsuper\s*::", "self::", text[m.end():j]))
        pos = j
    out.append(text[pos:])
    return "".join(out)


def drop_tests(text):
    """Removes `#[cfg(test)]` modules (balanced braces)."""
    while True:
        m = re.search(r"#\[cfg\(test\)\]\s*(?:#\[[^\]]*\]\s*)*(?:pub\s+)?mod\s+\w+\s*\{", text)
        if not m:
            return text
        depth, j = 1, m.end()
        while j < len(text) and depth:
            depth += {"{": 1, "}": -1}.get(text[j], 0)
            j += 1
        text = text[: m.start()] + "\n" * text.count("\n", m.start(), j) + text[j:]


def use_paths(tree, prefix=()):
    """Expands a use tree into (path segments, local name or None for glob)."""
    tree = re.sub(r"\s+", " ", tree).strip()
    depth, start = 0, None
    for k, ch in enumerate(tree):
        if ch == "{":
            if depth == 0:
                start = k
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                head = tree[:start].replace(" ", "").rstrip(":")
                heads = tuple(s for s in head.split("::") if s)
                inner, parts, d, last = tree[start + 1:k], [], 0, 0
                for q, c2 in enumerate(inner):
                    d += {"{": 1, "}": -1}.get(c2, 0)
                    if c2 == "," and d == 0:
                        parts.append(inner[last:q])
                        last = q + 1
                parts.append(inner[last:])
                for part in parts:
                    if part.strip():
                        yield from use_paths(part, prefix + heads)
                return
    alias = None
    if " as " in tree:
        tree, alias = (piece.strip() for piece in tree.rsplit(" as ", 1))
    segs = prefix + tuple(s for s in tree.replace(" ", "").split("::") if s)
    if segs and segs[-1] == "*":
        yield segs[:-1], None
    elif segs and segs[-1] == "self":
        yield segs[:-1], alias or segs[-2]
    elif segs:
        yield segs, alias or segs[-1]


class Module:
    def __init__(self, path, file):
        self.path, self.file = path, file
        self.children = {}
        self.items = set()
        self.imports = {}  # local name -> absolute segments
        self.globs = []
        self.refs = []  # (segments, line)
        self.text = ""


def raw_attrs(raw, match):
    """The attributes above a `mod` declaration, read from the raw source
    (string literals are blanked in the text the regex ran on)."""
    lines = raw.split("\n")
    first = match.string.count("\n", 0, match.start())
    last = match.string.count("\n", 0, match.start(2))
    return "\n".join(lines[first:last + 1])


def load(path, file, modules):
    module = Module(path, file)
    modules[path] = module
    raw = open(file, encoding="utf-8").read()
    text = flatten_inline_modules(drop_tests(strip(raw)))
    # `pub(in path)` names a module for visibility, not a dependency.
    text = re.sub(r"pub\s*\(\s*in\s+[^)]*\)", "pub", text)
    module.text = text
    base = os.path.dirname(file)
    if os.path.basename(file) not in ("mod.rs", "lib.rs"):
        base = os.path.join(base, os.path.splitext(os.path.basename(file))[0])
    for m in MOD_DECL.finditer(text):
        name = m.group(2)
        attr = PATH_ATTR.search(raw_attrs(raw, m))
        if attr:
            child = os.path.normpath(os.path.join(os.path.dirname(file), attr.group(1)))
        else:
            child = os.path.join(base, name + ".rs")
            if not os.path.exists(child):
                child = os.path.join(base, name, "mod.rs")
        module.children[name] = path + (name,)
        load(path + (name,), child, modules)
    for m in ITEM.finditer(text):
        if m.group(1) != "mod":
            module.items.add(m.group(2))
    for m in MACRO.finditer(text):
        module.items.add(m.group(1))
    return module


def absolute(module, segs, modules):
    """Segments relative to `module` as an absolute module path + rest."""
    if not segs:
        return None
    if segs[0] == "crate":
        return ("crate",), segs[1:]
    base = module.path
    rest = list(segs)
    if rest[0] == "self":
        rest.pop(0)
    elif rest[0] == "super":
        while rest and rest[0] == "super":
            base = base[:-1]
            rest.pop(0)
    elif rest[0] in module.children:
        pass
    elif rest[0] in module.imports:
        target = module.imports[rest[0]]
        return target[:1], tuple(target[1:]) + tuple(rest[1:])
    else:
        return None  # an external crate or a local name
    return base, tuple(rest)


def resolve(module_path, rest, modules, seen=None):
    """The module that defines the item `rest` names from `module_path`
    (that module itself when the item is not found anywhere)."""
    return find(module_path, rest, modules, seen or set()) or module_path


def find(module_path, rest, modules, seen):
    """Like `resolve`, but `None` when the item is not found."""
    key = (module_path, rest)
    if key in seen:
        return None
    seen.add(key)
    module = modules.get(module_path)
    if module is None:
        return None
    if not rest:
        return module_path
    head = rest[0]
    if head in module.children:
        return find(module.children[head], rest[1:], modules, seen) or module.children[head]
    if head in module.items:
        return module_path
    if head in module.imports:
        target = module.imports[head]
        return find(target[:1], tuple(target[1:]) + tuple(rest[1:]), modules, seen)
    for glob in module.globs:
        found = find(glob, rest, modules, seen)
        if found:
            return found
    return None


def walk_to_module(base, rest, modules):
    """Follows leading module segments; returns (module path, remaining)."""
    path = tuple(base)
    rest = list(rest)
    while rest and rest[0] in modules[path].children:
        path = modules[path].children[rest.pop(0)]
    return path, tuple(rest)


def main():
    modules = {}
    load(("crate",), os.path.join(ROOT, "src", "lib.rs"), modules)
    uses = {}
    # Imports first, so every path can be resolved through them.
    for module in modules.values():
        uses[module.path] = []
        for m in USE.finditer(module.text):
            line = module.text.count("\n", 0, m.start()) + 1
            for segs, local in use_paths(m.group(2)):
                loc = absolute(module, segs, modules)
                if loc is None:
                    continue
                base, rest = loc
                if base not in modules:
                    continue
                full = tuple(base) + tuple(rest)
                if local is None:
                    target, _ = walk_to_module(base, rest, modules)
                    module.globs.append(target)
                else:
                    module.imports[local] = full
                uses[module.path].append((full, line))
    edges = {}
    for module in modules.values():
        refs = list(uses[module.path])
        for m in PATH.finditer(module.text):
            segs = tuple(s.strip() for s in m.group(1).split("::"))
            line = module.text.count("\n", 0, m.start()) + 1
            loc = absolute(module, segs, modules)
            if loc and loc[0] in modules:
                refs.append((tuple(loc[0]) + tuple(loc[1]), line))
        for child in module.children:
            for m in re.finditer(r"(?<![A-Za-z0-9_:])" + child + r"\s*::\s*([A-Za-z_][A-Za-z0-9_]*)", module.text):
                line = module.text.count("\n", 0, m.start()) + 1
                refs.append((module.path + (child, m.group(1)), line))
        for full, line in refs:
            target = resolve(full[:1], tuple(full[1:]), modules)
            if target and target != module.path and target in modules:
                edges.setdefault(module.path, {}).setdefault(target, []).append(line)
    name = lambda p: "::".join(p)  # noqa: E731
    rel = lambda m: os.path.relpath(modules[m].file, ROOT)  # noqa: E731
    if "--graph" in sys.argv:
        for a in sorted(edges):
            for b in sorted(edges[a]):
                print(f"{name(a)} -> {name(b)}")
        return 0
    # Tarjan's strongly connected components.
    index, low, stack, on, comps, counter = {}, {}, [], set(), [], [0]
    sys.setrecursionlimit(10000)

    def connect(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges.get(v, {}):
            if w not in index:
                connect(w)
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

    for v in sorted(modules):
        if v not in index:
            connect(v)
    if not comps:
        print(f"no import cycles among {len(modules)} modules")
        return 0
    for comp in comps:
        print(f"cycle among {len(comp)} modules:")
        members = set(comp)
        for a in comp:
            for b, lines in sorted(edges.get(a, {}).items()):
                if b in members:
                    print(f"  {rel(a)}:{lines[0]} -> {name(b)}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
