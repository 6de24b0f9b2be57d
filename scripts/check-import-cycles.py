#!/usr/bin/env python3
"""Finds import cycles between the files of each crate.

    scripts/check-import-cycles.py [PATH ...]

Each PATH is a Cargo workspace (every member is checked) or a crate
directory; the default is the repository this script lives in. Exits 1 when
some crate has a cycle, 0 when none has, 2 when a PATH is neither.

A file depends on another when it names an item defined there: through a
`use crate::...`, `use super::...`, `use self::...` or `use child::...`
declaration, or through a path in code such as `crate::a::B` or
`super::x::y`. Each path is resolved as rustc would, as far as a reader of
the source can: `a::b` is the module in `a/b.rs` or `a/b/mod.rs`, an item
belongs to the file of the module that defines it, and an item that a
module only imports or re-exports (`pub use child::X`, `pub use child::*`)
is followed to the file that defines it. So a child's `use super::X`, where
`X` is really a sibling's item, is an edge to that sibling, not to the
parent. Not edges:

- `mod child;` declarations, and imports of a module itself (`use
  crate::a;`): what the file then names through `a::` makes its edges;
- a file naming its own items;
- `#[cfg(test)]` modules (inline or in a file of their own) and other
  `#[cfg(test)]` items: tests are not a file-level dependency;
- comments, doc comments and string literals.

A type whose inherent methods (`impl Type { ... }`, not `impl Trait for
Type`) are written in another file than the type ties the two files both
ways: whoever holds the type holds those methods too.

A name the script cannot place (one made by a macro, say) counts as an
item of the module it was looked up in: that over-reports rather than hides.

Every strongly connected component of more than one file is reported: one
cycle through it as a path of files with the lines that make each step,
then every other edge inside the component. So is every such component
among the sibling modules of one parent, each module taken with the files
below it, when one of them at least is a folder: `folds/` and `pipeline/`
depend on each other even when no two of their files do.
"""

from __future__ import annotations

import argparse
import glob
import re
import sys
import tomllib
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Sequence

# ---------------------------------------------------------------------------
# Lexing: Rust source to tokens, without comments, strings or lifetimes.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Token:
    text: str
    line: int
    start: int  # offsets in the source
    end: int


LITERAL = '"lit"'
_IDENT = re.compile(r"(?:r#)?[A-Za-z_][A-Za-z0-9_]*")
_NUMBER = re.compile(r"[0-9][0-9A-Za-z_]*(?:\.[0-9][0-9A-Za-z_]*)?")
_RAW_STRING = re.compile(r"(?:br|cr|r)(#*)\"")
_CHAR = re.compile(r"b?'(?:\\(?:x[0-9A-Fa-f]{2}|u\{[0-9A-Fa-f_]+\}|.)|[^\\'\n])'")
_LIFETIME = re.compile(r"'[A-Za-z_][A-Za-z0-9_]*")


def tokenize(source: str) -> list[Token]:
    """Splits Rust source into identifiers, `::` and single punctuation
    characters. Comments, doc comments included, and lifetimes are dropped;
    each string, char or number literal becomes one LITERAL token, so
    nothing quoted can look like a path."""
    tokens: list[Token] = []
    line = 1
    i = 0
    n = len(source)

    def advance(to: int) -> int:
        nonlocal line
        line += source.count("\n", i, to)
        return to

    while i < n:
        c = source[i]
        if c.isspace():
            i = advance(i + 1)
        elif source.startswith("//", i):
            end = source.find("\n", i)
            i = advance(n if end < 0 else end)
        elif source.startswith("/*", i):
            depth, j = 0, i
            while j < n:
                if source.startswith("/*", j):
                    depth, j = depth + 1, j + 2
                elif source.startswith("*/", j):
                    depth, j = depth - 1, j + 2
                    if depth == 0:
                        break
                else:
                    j += 1
            i = advance(j)
        elif (raw := _RAW_STRING.match(source, i)) is not None:
            closing = '"' + raw.group(1)
            end = source.find(closing, raw.end())
            end = n if end < 0 else end + len(closing)
            tokens.append(Token(LITERAL, line, i, end))
            i = advance(end)
        elif c == '"' or (c in "bc" and source.startswith('"', i + 1)):
            j = i + (1 if c == '"' else 2)
            while j < n and source[j] != '"':
                j += 2 if source[j] == "\\" else 1
            end = min(j + 1, n)
            tokens.append(Token(LITERAL, line, i, end))
            i = advance(end)
        elif c == "'" or (c == "b" and source.startswith("'", i + 1)):
            if (char := _CHAR.match(source, i)) is not None:
                tokens.append(Token(LITERAL, line, i, char.end()))
                i = char.end()
            elif (lifetime := _LIFETIME.match(source, i)) is not None:
                i = lifetime.end()
            else:
                i += 1
        elif (ident := _IDENT.match(source, i)) is not None:
            tokens.append(Token(ident.group().removeprefix("r#"), line, i, ident.end()))
            i = ident.end()
        elif (number := _NUMBER.match(source, i)) is not None:
            tokens.append(Token(LITERAL, line, i, number.end()))
            i = number.end()
        elif source.startswith("::", i):
            tokens.append(Token("::", line, i, i + 2))
            i += 2
        else:
            tokens.append(Token(c, line, i, i + 1))
            i += 1
    return tokens


def parse_use_tree(tokens: Sequence[str]) -> list[tuple[tuple[str, ...], str | None]]:
    """The imports of a use tree (the tokens between `use` and `;`), as
    (path, name bound); the name is None for a glob and "_" for `as _`.
    `a::{self, b::C as D, e::*}` gives `(a,)` as `a`, `(a, b, C)` as `D`
    and `(a, e)` as a glob. A leading `::` becomes an empty first segment."""
    out: list[tuple[tuple[str, ...], str | None]] = []

    def alias_after(i: int, default: str) -> tuple[str, int]:
        if i + 1 < len(tokens) and tokens[i] == "as":
            return tokens[i + 1], i + 2
        return default, i

    def tree(i: int, prefix: tuple[str, ...]) -> int:
        path = list(prefix)
        if i < len(tokens) and tokens[i] == "::":
            if not prefix:
                path.append("")
            i += 1
        while i < len(tokens):
            t = tokens[i]
            if t == "{":
                i += 1
                while i < len(tokens) and tokens[i] != "}":
                    i = tree(i, tuple(path))
                    if i < len(tokens) and tokens[i] == ",":
                        i += 1
                return i + 1
            if t == "*":
                out.append((tuple(path), None))
                return i + 1
            if t == "self" and prefix and len(path) == len(prefix):
                # `a::{self, ...}`: the module `a` itself.
                alias, i = alias_after(i + 1, path[-1])
                out.append((tuple(path), alias))
                return i
            path.append(t)
            if i + 1 < len(tokens) and tokens[i + 1] == "::":
                i += 2
                continue
            alias, i = alias_after(i + 1, t)
            out.append((tuple(path), alias))
            return i
        return i

    i = 0
    while i < len(tokens):
        i = tree(i, ())
        if i < len(tokens):
            i += 1  # a stray `,` or whatever the tree could not read
    return out


# ---------------------------------------------------------------------------
# Parsing: what each module declares, defines, imports and names.
# ---------------------------------------------------------------------------

# (crate root file, module path): `crate::` means something else in each
# crate root (lib.rs, main.rs, bin/*.rs) of one package.
ModKey = tuple[Path, tuple[str, ...]]

_ITEM_KEYWORDS = {"struct", "enum", "union", "trait", "type", "fn", "const", "static"}
# Words after an item keyword that are not the item's name: `const fn f`,
# `static mut X`, `const _`.
_NOT_NAMES = {"fn", "unsafe", "async", "extern", "_"}


@dataclass(frozen=True)
class Evidence:
    """Where a file names another file's item."""

    file: Path
    line: int
    text: str
    note: str = ""


@dataclass
class UseRecord:
    """One name a `use` declaration binds, or one glob."""

    module: ModKey
    segments: tuple[str, ...]
    alias: str | None  # None for a glob
    evidence: Evidence


@dataclass
class PathRecord:
    """A path with `::` written in code, such as `crate::a::B::new`."""

    module: ModKey
    segments: tuple[str, ...]
    evidence: Evidence


@dataclass
class Module:
    key: ModKey
    file: Path
    parent: ModKey | None
    children: dict[str, ModKey] = field(default_factory=dict)
    items: set[str] = field(default_factory=set)
    bindings: dict[str, list[UseRecord]] = field(default_factory=dict)
    globs: list[UseRecord] = field(default_factory=list)
    uses: list[UseRecord] = field(default_factory=list)
    paths: list[PathRecord] = field(default_factory=list)
    # `impl Type { ... }` blocks: methods of a type, perhaps another file's.
    inherent_impls: list[PathRecord] = field(default_factory=list)


@dataclass(frozen=True)
class ChildFile:
    """A `mod name;`: module `key`, whose body is `name.rs` or
    `name/mod.rs` in `directory`."""

    key: ModKey
    parent: ModKey
    directory: Path


class FileParser:
    """Reads one file into the modules it holds: its own and any inline
    `mod x { ... }` in it. Records what they define, import and name, and
    which `mod x;` files they declare."""

    def __init__(self, path: Path, key: ModKey, parent: ModKey | None,
                 modules: dict[ModKey, Module]) -> None:
        self.path = path
        self.key = key
        self.source = path.read_text(encoding="utf-8")
        self.lines = self.source.splitlines()
        self.tokens = tokenize(self.source)
        self.modules = modules
        self.child_files: list[ChildFile] = []
        # A file's `mod x;` children live in its own folder when it is a
        # mod.rs or a crate root, otherwise in a folder named after it.
        if path.name == "mod.rs" or not key[1]:
            self.directory = path.parent
        else:
            self.directory = path.parent / path.stem
        modules[key] = Module(key, path, parent)

    def text(self, i: int) -> str:
        return self.tokens[i].text if i < len(self.tokens) else ""

    def matching_close(self, i: int) -> int:
        """The index of the bracket that closes the one at `i`."""
        opening = self.text(i)
        closing = {"{": "}", "(": ")", "[": "]"}[opening]
        depth = 0
        for j in range(i, len(self.tokens)):
            t = self.tokens[j].text
            if t == opening:
                depth += 1
            elif t == closing:
                depth -= 1
                if depth == 0:
                    return j
        return len(self.tokens) - 1

    def end_of_item(self, i: int) -> int:
        """The index of the last token of the item or statement starting at
        `i`: its `;`, or the brace that closes its first block."""
        j = i
        while j < len(self.tokens):
            t = self.tokens[j].text
            if t == ";":
                return j
            if t == "{":
                return self.matching_close(j)
            if t in ("(", "["):
                j = self.matching_close(j)
            j += 1
        return len(self.tokens) - 1

    def is_cfg_test(self, start: int, end: int) -> bool:
        return [t.text for t in self.tokens[start:end]] == ["cfg", "(", "test", ")"]

    def evidence(self, start: int, end: int) -> Evidence:
        """The source of tokens `start..=end` on one line."""
        first, last = self.tokens[start], self.tokens[end]
        if first.line == last.line:
            text = self.lines[first.line - 1].strip()
        else:
            raw = re.sub(r"//[^\n]*", "", self.source[first.start:last.end])
            text = " ".join(raw.split())
        return Evidence(self.path, first.line, text)

    def directory_of(self, module: ModKey) -> Path:
        return self.directory.joinpath(*module[1][len(self.key[1]):])

    def parse(self) -> None:
        """One pass over the tokens, keeping the brace depth and the stack
        of inline modules it is in."""
        scopes: list[tuple[ModKey, int]] = [(self.key, 0)]  # (module, depth of its items)
        depth = 0
        previous = ""
        i = 0
        while i < len(self.tokens):
            t = self.text(i)
            module, module_depth = scopes[-1]
            at_item_level = depth == module_depth
            if t == "#" and self.text(i + 1) == "!" and self.text(i + 2) == "[":
                close = self.matching_close(i + 2)
                if self.is_cfg_test(i + 3, close):
                    return  # `#![cfg(test)]`: the whole file is test code
                i, previous = close + 1, "]"
                continue
            if t == "#" and self.text(i + 1) == "[":
                close = self.matching_close(i + 1)
                i = self.skip_test_item(close + 1) if self.is_cfg_test(i + 2, close) else close + 1
                previous = "]"
                continue
            if t == "{":
                depth += 1
            elif t == "}":
                depth -= 1
                if len(scopes) > 1 and depth < scopes[-1][1]:
                    scopes.pop()
            elif t == "use" and previous != "::":
                end = self.end_of_item(i)
                self.read_use(i, end, module)
                i, previous = end + 1, ";"
                continue
            elif t == "mod" and at_item_level and self.text(i + 2) in ("{", ";"):
                child: ModKey = (module[0], module[1] + (self.text(i + 1),))
                if self.text(i + 2) == ";":
                    self.child_files.append(ChildFile(child, module, self.directory_of(module)))
                else:
                    self.modules[child] = Module(child, self.path, module)
                    depth += 1
                    scopes.append((child, depth))
                self.modules[module].children[child[1][-1]] = child
                i, previous = i + 3, self.text(i + 2)
                continue
            elif at_item_level and t in _ITEM_KEYWORDS:
                j = i + 1
                if t == "static" and self.text(j) == "mut":
                    j += 1
                name = self.text(j)
                if name not in _NOT_NAMES and _IDENT.fullmatch(name):
                    self.modules[module].items.add(name)
            elif at_item_level and t == "impl":
                self.read_impl(i, module)
            elif at_item_level and t == "macro_rules" and self.text(i + 1) == "!":
                self.modules[module].items.add(self.text(i + 2))
            elif previous != "::" and self.text(i + 1) == "::" and _IDENT.fullmatch(t):
                j = i
                while self.text(j + 1) == "::" and _IDENT.fullmatch(self.text(j + 2)):
                    j += 2
                segments = tuple(self.tokens[k].text for k in range(i, j + 1, 2))
                if len(segments) > 1:
                    self.modules[module].paths.append(
                        PathRecord(module, segments, self.evidence(i, i)))
                i, previous = j + 1, self.text(j)
                continue
            previous = t
            i += 1

    def skip_test_item(self, i: int) -> int:
        """Skips the `#[cfg(test)]` item that starts at `i` (after its other
        attributes and its visibility). A `mod x;` among them is a file of
        tests, which is never read."""
        while True:
            if self.text(i) == "#" and self.text(i + 1) == "[":
                i = self.matching_close(i + 1) + 1
            elif self.text(i) == "pub":
                i += 2 if self.text(i + 1) != "(" else 1
                if self.text(i) == "(":
                    i = self.matching_close(i) + 1
            else:
                break
        return self.end_of_item(i) + 1

    def read_impl(self, start: int, module: ModKey) -> None:
        """Records `impl<...> a::Type<...> {` (an inherent impl; a trait's
        `impl X for Type` is not one) in `module`."""
        i = start + 1
        if self.text(i) == "<":
            i = self.skip_angles(i)
        segments: list[str] = []
        while i < len(self.tokens) and self.text(i) not in ("{", "for", "where", ";"):
            t = self.text(i)
            if t == "<":
                i = self.skip_angles(i)
                continue
            if _IDENT.fullmatch(t) and t not in ("dyn", "mut", "const"):
                segments.append(t)
            elif t not in ("::", "&"):
                return  # a tuple, a slice, a pointer: not a path
            i += 1
        if self.text(i) in ("{", "where") and segments:
            self.modules[module].inherent_impls.append(
                PathRecord(module, tuple(segments), self.evidence(start, start)))

    def skip_angles(self, i: int) -> int:
        """The index after the `>` that closes the `<` at `i` (a `->`
        inside, as in `Fn() -> T`, is no closing)."""
        depth = 0
        while i < len(self.tokens):
            t = self.text(i)
            if t == "<":
                depth += 1
            elif t == ">" and self.text(i - 1) != "-":
                depth -= 1
                if depth == 0:
                    return i + 1
            elif t in ("{", ";"):
                return i
            i += 1
        return i

    def read_use(self, start: int, end: int, module: ModKey) -> None:
        """Records the names a `use` declaration (tokens `start..=end`)
        binds in `module`."""
        evidence = self.evidence(start, end)
        target = self.modules[module]
        for segments, alias in parse_use_tree([t.text for t in self.tokens[start + 1:end]]):
            record = UseRecord(module, segments, alias, evidence)
            target.uses.append(record)
            if alias is None:
                target.globs.append(record)
            elif alias != "_":
                target.bindings.setdefault(alias, []).append(record)


# ---------------------------------------------------------------------------
# Resolving paths to the files that define what they name.
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Target:
    """What a path names: a module, an item in `file`, or something outside
    the crate (`external`)."""

    module: ModKey | None = None
    file: Path | None = None

    @property
    def external(self) -> bool:
        return self.module is None and self.file is None


EXTERNAL = Target()


def crate_roots(src: Path) -> list[Path]:
    roots = [src / "lib.rs", src / "main.rs"]
    roots += sorted(src.glob("bin/*.rs")) + sorted(src.glob("bin/*/main.rs"))
    return [root for root in roots if root.is_file()]


def load_crate(src: Path) -> dict[ModKey, Module]:
    """Every module of every crate root in `src`, following `mod x;`."""
    modules: dict[ModKey, Module] = {}
    for root in crate_roots(src):
        pending: deque[tuple[Path, ModKey, ModKey | None]] = deque([(root, (root, ()), None)])
        while pending:
            path, key, parent = pending.popleft()
            parser = FileParser(path, key, parent, modules)
            parser.parse()
            for child in parser.child_files:
                name = child.key[1][-1]
                for candidate in (child.directory / f"{name}.rs",
                                  child.directory / name / "mod.rs"):
                    if candidate.is_file():
                        pending.append((candidate, child.key, child.parent))
                        break
    return modules


class Resolver:
    def __init__(self, modules: dict[ModKey, Module]) -> None:
        self.modules = modules

    def resolve(self, module: ModKey, segments: Sequence[str],
                seen: frozenset[tuple[ModKey, str]] = frozenset()) -> Target:
        """What `segments`, written in `module`, names."""
        first = segments[0]
        current: ModKey
        if first == "":
            return EXTERNAL
        if first == "crate":
            current, rest = (module[0], ()), segments[1:]
        elif first in ("super", "self"):
            current, rest = module, segments
        else:
            # A name in scope (2018 paths): a child module, an item, an
            # import; anything else is another crate's or local.
            found = self.lookup(module, first, seen)
            if found is None or found.module is None or len(segments) == 1:
                return found or EXTERNAL
            current, rest = found.module, segments[1:]
        for segment in rest:
            if segment == "self":
                continue
            if segment == "super":
                parent = self.modules[current].parent
                if parent is None:
                    return EXTERNAL
                current = parent
                continue
            found = self.lookup(current, segment, seen)
            if found is None:
                # Not placed (a macro's item, say): count it as the module's.
                return Target(file=self.modules[current].file)
            if found.module is None:
                return found  # an item (the rest names its variants or members)
            current = found.module
        return Target(module=current)

    def lookup(self, module: ModKey, name: str,
               seen: frozenset[tuple[ModKey, str]]) -> Target | None:
        """What `name` means inside `module`, through its imports and
        globs; None when it is not there."""
        if (module, name) in seen:
            return None
        seen = seen | {(module, name)}
        m = self.modules[module]
        if name in m.children:
            return Target(module=m.children[name])
        if name in m.items:
            return Target(file=m.file)
        for record in m.bindings.get(name, []):
            return self.resolve(record.module, record.segments, seen)
        for record in m.globs:
            source = self.resolve(record.module, record.segments, seen)
            if source.module is not None:
                found = self.lookup(source.module, name, seen)
                if found is not None:
                    return found
        return None


Graph = dict[Path, dict[Path, list[Evidence]]]


def dependencies(modules: dict[ModKey, Module]) -> Graph:
    """File-to-file edges, each with the lines that make it."""
    resolver = Resolver(modules)
    graph: Graph = {m.file: {} for m in modules.values()}

    def add(source: Path, target: Target, evidence: Evidence) -> None:
        file = target.file if target.module is None else modules[target.module].file
        if file is None or file == source:
            return
        lines = graph[source].setdefault(file, [])
        if evidence not in lines:
            lines.append(evidence)

    for m in modules.values():
        for record in m.uses:
            target = resolver.resolve(record.module, record.segments)
            # Importing a module is no edge; taking in all its names is.
            if record.alias is None or target.module is None:
                add(m.file, target, record.evidence)
        for path in m.paths:
            target = resolver.resolve(path.module, path.segments)
            if target.module is None:
                add(m.file, target, path.evidence)
        for impl in m.inherent_impls:
            # Methods of a type in a file other than the type's own split
            # the type: whoever holds the type holds those methods too, so
            # the two files depend on each other.
            target = resolver.resolve(impl.module, impl.segments)
            if target.module is None and target.file is not None and target.file != m.file:
                add(m.file, target, impl.evidence)
                tie = Evidence(impl.evidence.file, impl.evidence.line, impl.evidence.text,
                               "methods of the type, defined outside its file")
                add(target.file, Target(file=m.file), tie)
    return graph


# ---------------------------------------------------------------------------
# Cycles.
# ---------------------------------------------------------------------------


def strongly_connected(graph: Graph) -> list[list[Path]]:
    """Tarjan's algorithm, without recursion; components in sorted order."""
    index: dict[Path, int] = {}
    low: dict[Path, int] = {}
    on_stack: set[Path] = set()
    stack: list[Path] = []
    components: list[list[Path]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work: list[tuple[Path, list[Path]]] = [(start, sorted(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            if successors:
                nxt = successors.pop(0)
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, sorted(graph.get(nxt, {}))))
                elif nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component: list[Path] = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                components.append(sorted(component))
    return sorted(components)


def shortest_cycle(graph: Graph, component: list[Path]) -> list[Path]:
    """A shortest cycle through the component's first file, as its files in
    order (the first one repeated at the end)."""
    members = set(component)
    start = component[0]
    came_from: dict[Path, Path] = {}
    queue: deque[Path] = deque([start])
    while queue:
        node = queue.popleft()
        for nxt in sorted(graph[node]):
            if nxt == start:
                path = [node]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                return [start] + path[::-1][1:] + [start]
            if nxt in members and nxt not in came_from:
                came_from[nxt] = node
                queue.append(nxt)
    return [start]


def module_dependencies(modules: dict[ModKey, Module], files: Graph) -> list[Graph]:
    """For each module with file-backed children, the dependencies between
    those children, each child taken whole (its file and every file below
    it): `folds/ -> pipeline/` when any file under `folds` depends on any
    file under `pipeline`. Two folders can depend on each other through
    files that form no cycle among themselves (`folds/mod.rs ->
    pipeline/record.rs` and `pipeline/batch.rs -> folds/mod.rs`): this is
    where that shows."""
    below: dict[ModKey, set[Path]] = {}
    for key, m in modules.items():
        for depth in range(1, len(key[1]) + 1):
            below.setdefault((key[0], key[1][:depth]), set()).add(m.file)
    graphs: list[Graph] = []
    for parent in modules.values():
        children = [c for c in parent.children.values()
                    if c in modules and modules[c].file != parent.file]
        if len(children) < 2:
            continue
        node: dict[Path, Path] = {}  # file -> the child that holds it
        for child in children:
            m = modules[child]
            name = m.file if len(below[child]) == 1 else (
                m.file.parent if m.file.name == "mod.rs" else m.file.with_suffix(""))
            for file in below[child]:
                node[file] = name
        graph: Graph = {name: {} for name in node.values()}
        for source, targets in files.items():
            for target, evidence in targets.items():
                if source in node and target in node and node[source] != node[target]:
                    lines = graph[node[source]].setdefault(node[target], [])
                    lines.extend(e for e in evidence if e not in lines)
        graphs.append(graph)
    return graphs


@dataclass
class Cycles:
    """The components of more than one node of `graph`."""

    graph: Graph
    components: list[list[Path]]


def cycles_of(graph: Graph) -> Cycles:
    return Cycles(graph, [c for c in strongly_connected(graph) if len(c) > 1])


@dataclass
class Report:
    crate: str
    files: Cycles
    # Between sibling modules of which one at least is a folder.
    modules: list[Cycles]

    @property
    def count(self) -> int:
        return len(self.files.components) + sum(len(m.components) for m in self.modules)


def check_crate(crate_dir: Path) -> Report:
    modules = load_crate(crate_dir / "src")
    graph = dependencies(modules)
    between_folders: list[Cycles] = []
    for module_graph in module_dependencies(modules, graph):
        found = cycles_of(module_graph)
        # Siblings that are single files are in the file graph already.
        found.components = [c for c in found.components if any(n.suffix != ".rs" for n in c)]
        if found.components:
            between_folders.append(found)
    return Report(crate_dir.name, cycles_of(graph), between_folders)


def render(report: Report, base: Path) -> str:
    def name(path: Path) -> str:
        shown = str(path.relative_to(base)) if path.is_relative_to(base) else str(path)
        return shown if path.suffix == ".rs" else shown + "/"

    def show(graph: Graph, source: Path, target: Path) -> list[str]:
        lines = [f"    {name(source)} -> {name(target)}"]
        for evidence in graph[source][target]:
            note = f"   ({evidence.note})" if evidence.note else ""
            lines.append(f"        {name(evidence.file)}:{evidence.line}: {evidence.text}{note}")
        return lines

    out = [f"{report.crate}: {report.count} import cycle(s)"]
    number = 0
    for kind, cycles in [("files", report.files)] + [("modules", m) for m in report.modules]:
        for component in cycles.components:
            number += 1
            cycle = shortest_cycle(cycles.graph, component)
            out.append(f"  cycle {number}: {len(component)} {kind}: "
                       + ", ".join(name(f) for f in component))
            out.append("    a cycle through them: " + " -> ".join(name(f) for f in cycle))
            steps = list(zip(cycle, cycle[1:]))
            for source, target in steps:
                out.extend(show(cycles.graph, source, target))
            members = set(component)
            others = [(s, t) for s in component for t in sorted(cycles.graph[s])
                      if t in members and (s, t) not in steps]
            if others:
                out.append("   the other edges inside it:")
                for source, target in others:
                    out.extend(show(cycles.graph, source, target))
    return "\n".join(out)


def crate_dirs(path: Path) -> list[Path]:
    """The crates of a workspace, or the crate `path` is."""
    manifest = path / "Cargo.toml"
    if not manifest.is_file():
        return [path] if (path / "src").is_dir() else []
    data = tomllib.loads(manifest.read_text(encoding="utf-8"))
    crates = [path] if "package" in data and (path / "src").is_dir() else []
    for member in data.get("workspace", {}).get("members", []):
        for found in sorted(glob.glob(str(path / member))):
            if (Path(found) / "src").is_dir():
                crates.append(Path(found))
    return crates


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("paths", nargs="*", type=Path,
                        default=[Path(__file__).resolve().parent.parent],
                        help="a Cargo workspace or crate directory (default: this repository)")
    args = parser.parse_args(argv)
    found_cycle = False
    for path in args.paths:
        base = path.resolve()
        crates = crate_dirs(base)
        if not crates:
            print(f"{path}: neither a Cargo workspace nor a crate", file=sys.stderr)
            return 2
        for crate in crates:
            report = check_crate(crate)
            if report.count:
                found_cycle = True
                print(render(report, base))
    if not found_cycle:
        print("no import cycles")
    return 1 if found_cycle else 0


if __name__ == "__main__":
    sys.exit(main())
