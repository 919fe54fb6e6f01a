"""The README stays a front door: its two commands, and a Documentation list that reaches every
doc; no relative link in the README or docs/ points at nothing."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"
_LINK = re.compile(r"\]\(([^)\s]+)\)")


def _anchor(heading: str) -> str:
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    return re.sub(r"[^\w\- ]", "", heading.strip("# ").lower()).replace(" ", "-")


def _markdown_files() -> list[Path]:
    return [ROOT / "README.md", *sorted(DOCS.glob("*.md"))]


def test_the_readme_shows_exactly_the_demo_and_the_tests() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    blocks = re.findall(r"```sh\n(.*?)```", readme, flags=re.DOTALL)
    assert [b.strip() for b in blocks] == ["./scripts/demo", "./scripts/test"]


def test_the_readme_links_every_doc() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Documentation", 1)[1]
    linked = {link.partition("#")[0] for link in _LINK.findall(section)}
    docs = {f"docs/{p.name}" for p in DOCS.iterdir() if p.is_file()}
    docs |= {f"docs/examples/{p.name}" for p in (DOCS / "examples").iterdir()}
    assert docs - linked == set(), "docs the README's Documentation list does not link"


@pytest.mark.parametrize("path", _markdown_files(), ids=lambda p: p.name)
def test_relative_links_reach_a_file_and_a_heading(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    for link in _LINK.findall(text):
        if link.startswith(("http://", "https://", "mailto:")):
            continue
        target_text, _, fragment = link.partition("#")
        target = (path.parent / target_text) if target_text else path
        assert target.exists(), f"{path.name}: {link} points at nothing"
        if fragment and target.suffix == ".md":
            lines = target.read_text(encoding="utf-8").splitlines()
            headings = {_anchor(line) for line in lines if line.startswith("#")}
            assert fragment in headings, f"{path.name}: {link}: no such heading"
