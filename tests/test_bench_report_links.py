"""docs/performance.md links the cost figures kept elsewhere: each link must land on a heading."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.report import ELSEWHERE, section_elsewhere

DOCS = Path(__file__).resolve().parent.parent / "docs"


def _anchors(text: str) -> set[str]:
    """GitHub's heading anchors: lower case, punctuation dropped, spaces to hyphens."""
    out = set()
    for heading in re.findall(r"^#+ (.+)$", text, flags=re.MULTILINE):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        out.add(slug)
    return out


def test_every_other_cost_figure_links_an_existing_heading() -> None:
    for _, link, source in ELSEWHERE:
        name, _, anchor = link.partition("#")
        doc = DOCS / name
        assert doc.is_file(), f"{link}: no such document"
        if anchor:
            assert anchor in _anchors(doc.read_text()), f"{link}: no such heading"
        assert (DOCS.parent / source).is_file(), f"{source}: no such benchmark"


def test_the_generated_report_carries_the_links() -> None:
    text = "\n".join(section_elsewhere())
    for _, link, _ in ELSEWHERE:
        assert f"]({link})" in text
