"""The project carries its own reference: every `docs/api.md §n` the code and tests cite is a
section of docs/api.md, and the README's links into the repository point at files it holds."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
SOURCES = [p for folder in ("api", "domain", "projections", "tests", "bench") for p in (ROOT / folder).rglob("*")
           if p.suffix in (".py", ".js", ".html", ".md") and p.is_file()]


def test_every_cited_section_of_docs_api_exists() -> None:
    sections = set(re.findall(r"^## (\d+)\. ", (ROOT / "docs" / "api.md").read_text(), re.MULTILINE))
    cited = {(path.relative_to(ROOT), number) for path in SOURCES
             for number in re.findall(r"docs/api\.md §(\d+)", path.read_text(encoding="utf-8"))}
    assert cited, "the code cites docs/api.md"
    assert not {(str(path), n) for path, n in cited if n not in sections}


# References to documents kept outside the repository, which a reader of it cannot open.
OUTSIDE = re.compile("|".join(("CONTRACT" + " §", "DESIGN" + r"\.md", "shared" + "/seed")))


def test_nothing_points_outside_the_repository() -> None:
    for path in [*SOURCES, ROOT / "README.md"]:
        assert not OUTSIDE.search(path.read_text(encoding="utf-8")), path


def test_the_readmes_links_to_files_resolve() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    targets = re.findall(r"\]\(((?!https?:|#)[^)]+)\)", readme)
    assert "docs/api.md" in targets and "LICENSE" in targets
    assert [t for t in targets if not (ROOT / t).exists()] == []
