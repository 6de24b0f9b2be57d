"""Tests of scripts/check-import-cycles.py on tiny crates written to a
temporary folder. Run with `python3 -m pytest scripts/tests`."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

SCRIPT = Path(__file__).resolve().parent.parent / "check-import-cycles.py"


def load_checker() -> ModuleType:
    # The script's name has dashes, so it is loaded from its path.
    spec = importlib.util.spec_from_file_location("check_import_cycles", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


checker = load_checker()


def write_crate(root: Path, files: dict[str, str]) -> Path:
    """A crate `root/demo` whose `src/` holds `files` (path: source)."""
    crate = root / "demo"
    for name, source in files.items():
        path = crate / "src" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(source, encoding="utf-8")
    return crate


def edges(crate: Path) -> set[tuple[str, str]]:
    """The crate's file edges, as paths relative to `src/`."""
    src = crate / "src"
    graph = checker.dependencies(checker.load_crate(src))
    return {
        (str(a.relative_to(src)), str(b.relative_to(src)))
        for a, targets in graph.items()
        for b in targets
    }


def run(crate: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = checker.main([str(crate)])
    return code, capsys.readouterr().out


def test_a_cycle_between_two_files_is_reported_with_its_lines(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = write_crate(tmp_path, {
        "lib.rs": "mod hold;\nmod seat;\n",
        "hold.rs": "use crate::seat::Seat;\npub struct Hold(pub Seat);\n",
        "seat.rs": "pub struct Seat;\nimpl Seat {\n    pub fn held(&self) -> crate::hold::Hold { todo!() }\n}\n",
    })

    code, out = run(crate, capsys)

    assert code == 1
    assert "1 import cycle(s)" in out
    assert "src/hold.rs -> src/seat.rs -> src/hold.rs" in out
    assert "src/hold.rs:1: use crate::seat::Seat;" in out
    assert "src/seat.rs:3: pub fn held(&self) -> crate::hold::Hold { todo!() }" in out


def test_a_child_naming_a_sibling_item_through_a_reexport_depends_on_the_sibling(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = write_crate(tmp_path, {
        "lib.rs": "pub mod money;\npub use money::Amount;\n",
        "money/mod.rs": "mod amount;\nmod price;\n\npub use amount::Amount;\npub use price::*;\n",
        "money/amount.rs": "pub struct Amount(pub u64);\n",
        "money/price.rs": "use super::Amount;\n\npub struct Price(pub crate::Amount);\n",
    })

    assert edges(crate) == {
        ("lib.rs", "money/amount.rs"),
        ("money/mod.rs", "money/amount.rs"),
        ("money/mod.rs", "money/price.rs"),  # the glob takes all of price.rs
        ("money/price.rs", "money/amount.rs"),
    }
    assert run(crate, capsys) == (0, "no import cycles\n")


def test_a_type_defined_in_mod_rs_and_used_by_a_child_it_reexports_is_a_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = write_crate(tmp_path, {
        "lib.rs": "pub mod money;\n",
        "money/mod.rs": "mod price;\npub use price::Price;\npub struct Amount(pub u64);\n",
        "money/price.rs": "use super::Amount;\npub struct Price(pub Amount);\n",
    })

    code, out = run(crate, capsys)

    assert code == 1
    assert "src/money/mod.rs -> src/money/price.rs -> src/money/mod.rs" in out


def test_test_modules_comments_strings_and_mod_declarations_are_no_edges(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = write_crate(tmp_path, {
        "lib.rs": "mod hold;\nmod seat;\n",
        "hold.rs": "use crate::seat::Seat;\npub struct Hold(pub Seat);\n",
        "seat.rs": (
            "//! Unlike `crate::hold::Hold`, a seat is forever.\n"
            "#[cfg(test)]\nmod more_tests;\n"
            "pub struct Seat;\n"
            "/* crate::hold::Hold /* nested */ crate::hold::Hold */\n"
            "pub const NOTE: &str = \"see crate::hold::Hold\";\n"
            "pub const RAW: &str = r#\"crate::hold::Hold \"quoted\"\"#;\n"
            "pub fn first<'a>(seats: &'a [Seat]) -> &'a Seat { &seats[0] }\n"
            "#[cfg(test)]\nmod tests {\n    use super::*;\n"
            "    use crate::hold::Hold;\n\n    #[test]\n"
            "    fn holds() { let _ = Hold(Seat); }\n}\n"
        ),
        "seat/more_tests.rs": "use crate::hold::Hold;\n",
    })

    assert edges(crate) == {("hold.rs", "seat.rs")}
    assert run(crate, capsys) == (0, "no import cycles\n")


def test_methods_of_a_type_written_in_another_file_tie_both_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    crate = write_crate(tmp_path, {
        "lib.rs": "mod queue;\n",
        "queue/mod.rs": "mod handle;\nmod join;\npub use handle::Queue;\n",
        "queue/handle.rs": "pub struct Queue;\n",
        "queue/join.rs": (
            "use super::handle::Queue;\n"
            "impl Queue {\n    pub fn join(&self) {}\n}\n"
            "impl Clone for Queue {\n    fn clone(&self) -> Self { Queue }\n}\n"
        ),
    })

    code, out = run(crate, capsys)

    assert code == 1
    assert "src/queue/handle.rs -> src/queue/join.rs" in out
    assert "src/queue/join.rs:2: impl Queue {   (methods of the type, defined outside its file)" in out


def test_two_folders_depending_on_each_other_are_a_cycle(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # No two files form a cycle, but folds/ and pipeline/ need each other.
    crate = write_crate(tmp_path, {
        "lib.rs": "mod folds;\nmod pipeline;\n",
        "folds/mod.rs": "mod engine;\npub use engine::Engine;\n",
        "folds/engine.rs": "use crate::pipeline::Record;\npub struct Engine(Record);\n",
        "pipeline/mod.rs": "mod batch;\nmod record;\npub use record::Record;\n",
        "pipeline/record.rs": "pub struct Record;\n",
        "pipeline/batch.rs": "use crate::folds::Engine;\npub struct Batch(Engine);\n",
    })

    code, out = run(crate, capsys)

    assert code == 1
    assert "cycle 1: 2 modules: " in out
    assert "src/folds/ -> src/pipeline/ -> src/folds/" in out
    assert "src/folds/engine.rs:1: use crate::pipeline::Record;" in out


def test_use_trees_are_read_whole() -> None:
    tokens = [t.text for t in checker.tokenize("a::{self, b::C as D, e::*, f::{g, h}}")]

    assert checker.parse_use_tree(tokens) == [
        (("a",), "a"),
        (("a", "b", "C"), "D"),
        (("a", "e"), None),
        (("a", "f", "g"), "g"),
        (("a", "f", "h"), "h"),
    ]
