"""Without Go the independent verifier cannot be built, and says how to install it: its tests
then fail rather than skip (CI refuses skipped tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.independent import go_verifier


def test_a_machine_without_go_is_told_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(go_verifier.shutil, "which", lambda name: None)
    with pytest.raises(go_verifier.GoUnavailable, match="apt-get install golang-go golang-golang-x-mod-dev"):
        go_verifier.build(tmp_path)


def test_a_machine_without_the_sumdb_sources_is_told_what_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(go_verifier, "SUMDB", tmp_path / "missing")
    with pytest.raises(go_verifier.GoUnavailable, match="golang-golang-x-mod-dev"):
        go_verifier.build(tmp_path)
