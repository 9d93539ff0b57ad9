"""A client generated from the served OpenAPI document with openapi-python-client, as a new user
would make one (README, "A generated client"), records and reads a negotiation against a real
server, and every answer it reads is a typed model: no untyped dictionaries."""

from __future__ import annotations

import importlib
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import httpx
import pytest

from tests.conftest import OPENING
from tests.processes import run_cli

GENERATOR = shutil.which("openapi-python-client") or str(Path(sys.executable).parent / "openapi-python-client")
CONFIG = Path(__file__).parents[2] / "docs" / "openapi-python-client.yaml"
PACKAGE = "negotiation_log_client"

pytestmark = pytest.mark.slow


@pytest.fixture
def generated(tmp_path: Path, start_server: Any) -> Iterator[tuple[Any, ModuleType, dict[str, str]]]:
    """(server, the generated package, a token per role), the package imported from its folder."""
    db = str(tmp_path / "log.db")
    tokens = {role: run_cli("token", "create", f"{role}-1", "--role", role, "--db", db).stdout.splitlines()[-1]
              for role in ("recorder", "auditor")}
    server = start_server("--db", db)
    (tmp_path / "openapi.json").write_bytes(httpx.get(f"{server.url}/openapi.json").content)
    made = subprocess.run([GENERATOR, "generate", "--path", "openapi.json", "--meta", "none", "--config",
                           str(CONFIG), "--output-path", PACKAGE], cwd=tmp_path, capture_output=True, text=True,
                          timeout=120)
    said = made.stdout + made.stderr
    assert made.returncode == 0 and "warning" not in said.lower() and "error" not in said.lower(), said
    sys.path.insert(0, str(tmp_path))
    try:
        yield server, importlib.import_module(PACKAGE), tokens
    finally:
        sys.path.remove(str(tmp_path))
        for name in [m for m in sys.modules if m == PACKAGE or m.startswith(PACKAGE + ".")]:
            del sys.modules[name]


def test_a_generated_client_records_and_reads_with_typed_models(
        generated: tuple[Any, ModuleType, dict[str, str]]) -> None:
    server, package, tokens = generated

    def operation(tag: str, name: str) -> Any:
        return importlib.import_module(f"{PACKAGE}.api.{tag}.{name}")

    models = importlib.import_module(f"{PACKAGE}.models")
    client = package.AuthenticatedClient(base_url=server.url, token=tokens["recorder"])
    auditor = package.AuthenticatedClient(base_url=server.url, token=tokens["auditor"])

    opened = operation("recording", "open_negotiation").sync(
        client=client, body=models.NegotiationOpened.from_dict({"type": "negotiation.opened", **OPENING}))
    assert isinstance(opened, models.OpenedNegotiation), opened
    assert opened.status == models.NegotiationStatus.ACTIVE and isinstance(opened.event, models.StoredEvent)
    nid = opened.id

    append = operation("recording", "append_events").sync
    scheduled = append(nid, client=client, if_match='"1"', body=models.RoundScheduled.from_dict({
        "type": "round.scheduled", "occurred_at": "2025-03-20", "round_id": "r2", "label": "Second round",
        "scheduled_for": "2025-04-10", "venue": {"city": "Istanbul", "country": "Türkiye"}}))
    assert isinstance(scheduled, models.StoredEvent) and scheduled.version == 2
    assert scheduled.type_ == models.EventType.ROUND_SCHEDULED
    batch = append(nid, client=client, body=[
        models.RoundStarted.from_dict({"type": "round.started", "occurred_at": "2025-04-10T10:00:00+03:00",
                                       "round_id": "r2"}),
        models.DisputeRaised.from_dict({"type": "dispute.raised", "occurred_at": "2025-04-10",
                                        "dispute_id": "property", "title": "Six properties", "raised_by": "ru"}),
        models.PositionStated.from_dict({"type": "position.stated", "occurred_at": "2025-04-10",
                                         "dispute_id": "property", "participant_id": "ru", "stance": "demand",
                                         "text": "Return them"}),
        models.RoundConcluded.from_dict({"type": "round.concluded", "occurred_at": "2025-04-10T16:00:00+03:00",
                                         "round_id": "r2", "duration": {"min_hours": 6}}),
    ])
    assert isinstance(batch, list) and all(isinstance(e, models.StoredEvent) for e in batch)

    get_round = operation("reading", "get_round").sync
    before = get_round(nid, "r2", client=client, as_of="2025-04-09")
    assert isinstance(before, models.Round) and before.status == models.RoundStatus.SCHEDULED
    assert isinstance(before.venue, models.Venue) and before.venue.city == "Istanbul"
    assert before.as_of == "2025-04-09T23:59:59.999999Z"
    now = get_round(nid, "r2", client=client)
    assert now.status == models.RoundStatus.CONCLUDED and now.duration.min_hours == 6

    rounds = operation("reading", "list_rounds").sync(nid, client=client)
    assert isinstance(rounds, models.RoundPage) and rounds.next_cursor is None
    assert [type(r) for r in rounds.items] == [models.Round] and rounds.items[0].round_id == "r2"

    disputes = operation("reading", "list_disputes").sync(nid, client=client)
    assert isinstance(disputes, models.DisputePage)
    [dispute] = disputes.items
    assert dispute.status == models.DisputeStatus.UNDER_DISCUSSION
    assert dispute.positions["ru"].stance == models.Stance.DEMAND

    negotiation = operation("reading", "get_negotiation").sync(nid, client=client)
    assert isinstance(negotiation, models.Negotiation) and isinstance(negotiation.counts, models.Counts)
    assert negotiation.counts.rounds == 1 and negotiation.version == 6
    assert all(isinstance(p, models.NegotiationParticipant) and p.present for p in negotiation.participants)

    timeline = operation("reading", "get_timeline").sync(nid, client=client, type_=["round"])
    assert isinstance(timeline, models.TimelinePage)
    assert [(type(i), i.type_) for i in timeline.items] == [
        (models.TimelineItem, models.EventType.ROUND_SCHEDULED), (models.TimelineItem, models.EventType.ROUND_STARTED),
        (models.TimelineItem, models.EventType.ROUND_CONCLUDED)]
    assert timeline.items[0]["round_id"] == "r2"  # the data fields, beside the typed envelope

    changes = operation("reading", "get_changes").sync(nid, client=client, from_="2025-04-01", to="2025-04-10")
    assert isinstance(changes, models.Changes)
    assert [(a.kind, a.id) for a in changes.added] == [(models.EntityKind.DISPUTE, "property")]
    [round_change] = [c for c in changes.changed if c.kind == models.EntityKind.ROUND]
    assert isinstance(round_change.fields["status"], models.FieldChange)
    assert (round_change.fields["status"].before, round_change.fields["status"].after) == ("scheduled", "concluded")

    page = operation("reading", "list_events").sync(client=client, after="1", limit=2)
    assert isinstance(page, models.EventPage) and page.has_more and page.head == 6
    assert all(isinstance(e, models.StoredEvent) for e in page.items)
    event = operation("reading", "get_event").sync(scheduled.event_id, client=client)
    assert isinstance(event, models.EventWithCorrections) and event.corrections == [] and not event.retracted

    proof = operation("verifiable_log", "get_inclusion_proof").sync(scheduled.event_id, client=client)
    assert isinstance(proof, models.InclusionProof) and proof.log_index == 1
    checkpoint = operation("verifiable_log", "get_checkpoint").sync(client=client)
    assert isinstance(checkpoint, str) and checkpoint.splitlines()[1] == "6"  # a signed note, as text
    verified = operation("audit", "verify_log").sync(client=auditor)
    assert isinstance(verified, models.VerifyResult) and verified.ok and verified.checked == 6

    missing = get_round(nid, "r9", client=client)
    assert isinstance(missing, models.Problem) and missing.status == 404 and missing.rule == "round-exists"
