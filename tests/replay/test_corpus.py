"""The corpus itself: indexed, traceable to its sources, parseable, and free of secrets."""

from __future__ import annotations

import json
import re

import pytest

from tests.replay.corpus import CORPUS, Fixture, fixtures, index

_MAC = re.compile(r"\b(?:[0-9A-Fa-f]{2}[:-]){5}[0-9A-Fa-f]{2}\b")
_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+\.[\w.]+")
_IPV4 = re.compile(r"\b(?:\d{1,3}\.){3}\d{1,3}\b")


def test_every_file_is_indexed_and_every_entry_exists() -> None:
    on_disk = sorted(
        str(p.relative_to(CORPUS)) for p in CORPUS.rglob("*.json") if p.name != "index.json"
    )
    assert sorted(f.file for f in fixtures()) == on_disk


def test_the_corpus_spans_independent_sources_and_years() -> None:
    idx = index()
    used = {f.source for f in fixtures()}
    assert used <= set(idx["sources"]), "every fixture names a listed source"
    assert len(used) >= 4
    assert len({s["year"] for s in idx["sources"].values()}) >= 4
    for entry in idx["fixtures"]:
        assert entry["path"] and entry["year"] and entry["source"]
        source = idx["sources"][entry["source"]]
        # a recording from a repository names its commit; a page its address; a dump its date
        assert entry["commit"] or entry.get("recorded") or source["url"].startswith("https://")


@pytest.mark.parametrize("fx", fixtures(), ids=lambda f: f.file)
def test_fixture_parses_and_holds_no_secret(fx: Fixture) -> None:
    text = (CORPUS / fx.file).read_text(encoding="utf-8")
    fx.load()
    assert not _JWT.search(text)
    assert not _EMAIL.search(text)
    assert all(m.startswith("02:00:00:00:") for m in _MAC.findall(text))
    assert all(ip.startswith("192.0.2.") for ip in _IPV4.findall(text))
    for token in re.findall(r'"(?:access_token|refresh_token)"\s*:\s*"([^"]*)"', text):
        assert "MASKED" in token


def test_every_feed_message_type_the_driver_handles_is_recorded() -> None:
    recorded = {f.what for f in fixtures("feed")}
    assert {"hello", "monitor_info", "data_change", "device_states", "realtime_update"} <= recorded
    assert "new_timeline_event" in recorded


def test_the_corpus_holds_30_distinct_payloads_and_names_its_duplicates() -> None:
    """Files with the same content (one source publishing a payload twice) say so in the index,
    and do not count twice towards the corpus' size."""
    notes = {e["file"]: e["notes"] for e in index()["fixtures"]}
    by_content: dict[str, list[str]] = {}
    for fx in fixtures():
        by_content.setdefault(json.dumps(fx.load(), sort_keys=True), []).append(fx.file)
    for same in by_content.values():
        for name in same:
            assert all(other in notes[name] for other in same if other != name), name
    assert len(by_content) >= 30
