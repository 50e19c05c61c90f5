#!/usr/bin/env python3
"""Lists import circles between the modules of each crate, and the reading order.

A module imports another when its code names an item of it: `use crate::a::B`,
`crate::a::b()`, `super::x`, a child module's items. Names a module re-exports
(`pub use error::Error`) resolve to the module that defines them, so reading
`crate::Error` is an import of `error`, not of the crate root. A module
declaring a child (`mod worker;`) is not an import. Generated modules count
like hand-written ones: a circle through them is a circle too.

Usage: scripts/module_cycles.py [CRATE_SRC ...]   (default: every crate's src/)
Prints each crate's modules bottom-up; exits 1 when any crate has a circle.
"""
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def module_files(src: Path) -> dict:
    """Module path (tuple of names) -> file, for every .rs file under src/."""
    modules = {}
    for path in sorted(src.rglob("*.rs")):
        rel = path.relative_to(src).with_suffix("")
        parts = list(rel.parts)
        if parts[-1] == "mod":
            parts = parts[:-1]
        if parts in (["lib"], ["main"]):
            parts = []
        if parts and parts[0] == "bin":
            continue
        modules[tuple(parts)] = path
    return modules


def strip(text: str) -> str:
    """Source without comments, string and char literals, and the `#[cfg(test)] mod tests` body."""
    out, i, n = [], 0, len(text)
    while i < n:
        c = text[i]
        if text.startswith("//", i):
            i = text.find("\n", i) if "\n" in text[i:] else n
        elif text.startswith("/*", i):
            depth, i = 1, i + 2
            while i < n and depth:
                depth += text.startswith("/*", i) - text.startswith("*/", i)
                i += 2 if text.startswith(("/*", "*/"), i) else 1
        elif raw := re.match(r'b?r(#*)"', text[i : i + 64]):
            end = text.find('"' + raw.group(1), i + raw.end())
            i = n if end < 0 else end + 1 + len(raw.group(1))
            out.append('""')
        elif c == '"' and not (i and (text[i - 1].isalnum() or text[i - 1] == "_")):
            i += 1
            while i < n and text[i] != '"':
                i += 2 if text[i] == "\\" else 1
            i += 1
            out.append('""')
        elif c == "'" and (char := re.match(r"'(?:\\[^']{1,10}|[^\\'])'", text[i : i + 14])):
            i += char.end()
            out.append("' '")
        else:
            out.append(c)
            i += 1
    text = "".join(out)
    # Inside an inline `mod x { .. }`, `super::` is the file's module: read it as `self::`.
    for block in reversed(list(re.finditer(r"\bmod\s+\w+\s*\{", text))):
        depth, end = 0, block.end() - 1
        while end < len(text):
            depth += (text[end] == "{") - (text[end] == "}")
            if depth == 0:
                break
            end += 1
        inner = re.sub(r"\bsuper::", "self::", text[block.end() : end])
        text = text[: block.end()] + inner + text[end:]
    test = re.search(r"#\[cfg\(test\)\]\s*mod\s+tests\s*\{", text)
    if test:
        text = text[: test.start()]
    return text


def use_paths(text: str):
    """Every path a `use` declaration names, braces expanded."""
    for match in re.finditer(r"\buse\s+([^;]+);", text):
        yield from expand(match.group(1).replace("\n", " ").replace(" ", ""))


def expand(tree: str):
    if "{" not in tree:
        yield tree
        return
    head, _, rest = tree.partition("{")
    body = rest[: rest.rfind("}")]
    depth, part = 0, ""
    for ch in body + ",":
        if ch == "," and depth == 0:
            if part:
                for sub in expand(part):
                    yield head + sub
            part = ""
            continue
        depth += ch == "{"
        depth -= ch == "}"
        part += ch
    return


def split(path: str):
    path = re.sub(r"as[A-Za-z_]\w*$", "", path) if re.search(r"[a-z0-9_]as[A-Z_]", path) else path
    return [p for p in path.split("::") if p]


def absolute(module: tuple, parts: list):
    """The absolute path of `parts` as written in `module`, or None for outside crates."""
    if not parts:
        return None
    if parts[0] == "crate":
        return parts[1:]
    if parts[0] == "self":
        return list(module) + parts[1:]
    if parts[0] == "super":
        base = list(module)
        while parts and parts[0] == "super":
            base = base[:-1]
            parts = parts[1:]
        return base + parts
    return None


def analyse(src: Path):
    modules = module_files(src)
    texts = {m: strip(p.read_text()) for m, p in modules.items()}
    # Inline `pub mod x { pub use crate::y::*; }` blocks in any module make x an alias of y.
    inline = {}
    for m, text in texts.items():
        for block in re.finditer(r"\bmod\s+(\w+)\s*\{([^{}]*)\}", text):
            for path in use_paths(block.group(2)):
                target = absolute(m + (block.group(1),), split(path))
                if target is not None:
                    inline[m + (block.group(1),)] = tuple(t for t in target if t != "*")
    # Re-exports: (module, name) -> absolute path of what it names.
    reexports = {}
    for m, text in texts.items():
        for match in re.finditer(r"\bpub(?:\([^)]*\))?\s+use\s+([^;]+);", text):
            for path in expand(match.group(1).replace("\n", " ").replace(" ", "")):
                parts = split(path)
                target = absolute(m, parts) or (list(m) + parts if parts and parts[0] != "std" else None)
                if target and target[-1] != "*":
                    reexports[(m, target[-1])] = tuple(target)

    def owner(path: tuple, depth: int = 0):
        """The module that defines what `path` names."""
        if depth > 8:
            return None
        for cut in range(len(path), -1, -1):
            prefix = tuple(path[:cut])
            if prefix in inline and cut < len(path):
                return owner(inline[prefix] + tuple(path[cut:]), depth + 1)
            if prefix in modules:
                if cut < len(path) and (prefix, path[cut]) in reexports:
                    return owner(reexports[(prefix, path[cut])] + tuple(path[cut + 1 :]), depth + 1)
                return prefix
        return None

    edges = {m: set() for m in modules}
    for m, text in texts.items():
        paths = [split(p) for p in use_paths(text)]
        paths += [p.split("::") for p in re.findall(r"\b(?:crate|super|self)(?:::\w+)+", text)]
        local = set(re.findall(r"^\s*(?:pub(?:\([^)]*\))?\s+)?mod\s+(\w+)\s*;", text, flags=re.M))
        for child in local:
            paths += [p.split("::") for p in re.findall(rf"(?<![\w:]){child}(?:::\w+)+", text)]
        for parts in paths:
            target = absolute(m, parts)
            if target is None and parts and parts[0] in local:
                target = list(m) + parts
            if target is None:
                continue
            found = owner(tuple(target))
            if found is not None and found != m:
                edges[m].add(found)
    return modules, edges


def cycles(edges: dict):
    """Strongly connected components of more than one module (Tarjan)."""
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def bottom_up(edges: dict):
    order, done = [], set()

    def visit(v, seen):
        if v in done or v in seen:
            return
        seen.add(v)
        for w in sorted(edges[v]):
            visit(w, seen)
        done.add(v)
        order.append(v)

    for v in sorted(edges):
        visit(v, set())
    return order


def name(module: tuple) -> str:
    return "::".join(module) or "(root)"


def main(argv):
    sources = [Path(a) for a in argv] or sorted(p.parent for p in ROOT.glob("*/src/lib.rs")) + sorted(
        p.parent for p in ROOT.glob("*/src/main.rs") if not (p.parent / "lib.rs").exists()
    )
    failed = False
    for src in sources:
        _, edges = analyse(src)
        found = cycles(edges)
        crate = src.parent.name
        print(f"{crate}: {len(edges)} modules, bottom-up: " + ", ".join(name(m) for m in bottom_up(edges)))
        for component in found:
            failed = True
            print(f"  circle: {' <-> '.join(name(m) for m in component)}")
            for m in component:
                inside = sorted(name(w) for w in edges[m] if w in component)
                print(f"    {name(m)} imports {', '.join(inside)}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
