"""One realistic example object per event type, for the OpenAPI documentation.

Drawn from the 2025 Russia–US consultations in Istanbul on the work of diplomatic missions;
where the public record is thin the text says "Illustrative". Every example validates."""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Any


_MFA = {"publisher": "Russian Ministry of Foreign Affairs", "reliability": "official"}
_RESIDENCE_US = {"name": "US Consul General's residence", "city": "Istanbul", "country": "Türkiye"}
_RESIDENCE_RU = {"name": "Russian Consul General's residence", "city": "Istanbul",
                 "country": "Türkiye"}
_EVENT_ID = "0b6f1c2e-5d4a-4c1e-9a7b-3f2d8e6c1a90"
_PROPERTY, _FINANCING, _FLIGHTS = "diplomatic-property", "embassy-financing", "direct-flights"


def _ex(kind: str, occurred_at: str, **data: Any) -> dict[str, Any]:
    return {"type": kind, "occurred_at": occurred_at, **data}


EXAMPLES: Mapping[str, dict[str, Any]] = types.MappingProxyType({e["type"]: e for e in (
    _ex("negotiation.opened", "2025-02-27",
        title="Russia–US consultations on the work of diplomatic missions",
        participants=[{"id": "ru", "name": "Russian Federation", "role": "party", "code": "RUS",
                       "wikidata": "Q159"},
                      {"id": "us", "name": "United States", "role": "party", "code": "USA", "wikidata": "Q30"}],
        subject="Embassy staffing, diplomatic property, banking for missions, visas",
        format="bilateral",
        sources=[{"title": "On Russian-US consultations in Istanbul", "published_at": "2025-02-27",
                  **_MFA}]),
    _ex("participant.joined", "2025-02-27",
        participant={"id": "tr", "name": "Republic of Türkiye", "role": "host", "code": "TUR"}),
    _ex("participant.left", "2025-04-10", participant_id="tr", note="Illustrative"),
    _ex("negotiation.suspended", "2025-06", attributed_to="ru",
        reason="According to Moscow, the US side called off the next round planned in Moscow"),
    _ex("negotiation.resumed", "2025-09", reason="Illustrative: expert-level contacts resume"),
    _ex("negotiation.concluded", "2025-12", outcome="Illustrative: missions work normally"),
    _ex("negotiation.collapsed", "2025-12", outcome="Illustrative: no agreement"),
    _ex("round.proposed", "2025-04-10", round_id="r3", label="Third round, Moscow",
        proposed_by="ru"),
    _ex("round.scheduled", "2025-04", round_id="r2", label="Second round", number=2,
        venue=_RESIDENCE_RU, scheduled_for="2025-04-10", provisional=False),
    _ex("round.postponed", "2025-05~", round_id="r3", reason="Illustrative", requested_by="us"),
    _ex("round.cancelled", "2025-06", round_id="r3", cancelled_by="us", attributed_to="ru",
        reason="The US side cancelled the meeting, according to the Russian foreign ministry"),
    _ex("delegation.named", "2025-02-27", round_id="r1", participant_id="ru",
        head={"name": "Alexander Darchiev",
              "title": "Director, North America Department, Russian Foreign Ministry"}),
    _ex("round.started", "2025-02-27", round_id="r1", venue=_RESIDENCE_US),
    _ex("round.concluded", "2025-02-27", round_id="r1",
        duration={"min_hours": 6, "max_hours": 6.5},
        summary="First consultations on the functioning of embassies, lasting over six hours"),
    _ex("dispute.raised", "2025-02-27", dispute_id=_PROPERTY, raised_by="ru",
        title="Return of six seized Russian diplomatic properties",
        description="Properties taken over by the US authorities in 2016-2017"),
    _ex("dispute.discussed", "2025-04-10", dispute_id=_FINANCING, round_id="r2",
        summary="Uninterrupted banking services for the diplomatic missions"),
    _ex("dispute.excluded", "2025-02-27", dispute_id="ukraine-settlement",
        reason="Political and security questions were kept out of these consultations"),
    _ex("position.stated", "2025-04-10", dispute_id=_PROPERTY, participant_id="ru",
        stance="demand", text="The six diplomatic properties must be returned"),
    _ex("dispute.resolved", "2025-04-10", dispute_id=_FINANCING,
        summary="Notes exchanged on banking services for the missions"),
    _ex("dispute.deadlocked", "2025-04-10", dispute_id=_PROPERTY, summary="Illustrative"),
    _ex("dispute.deferred", "2025-04-10", dispute_id=_PROPERTY, summary="Left for a later round"),
    _ex("dispute.dropped", "2025-12", dispute_id=_PROPERTY, summary="Illustrative"),
    _ex("dispute.reopened", "2026", dispute_id=_PROPERTY, summary="Illustrative"),
    _ex("proposal.tabled", "2025-04-10", proposal_id=_FLIGHTS, proposed_by="ru",
        text="Resume direct air service between Russia and the United States"),
    _ex("proposal.responded", "2025-04-10", proposal_id=_FLIGHTS, participant_id="us",
        response="under_review", attributed_to="ru"),
    _ex("proposal.withdrawn", "2025-12", proposal_id=_FLIGHTS, note="Illustrative"),
    _ex("commitment.agreed", "2025-04-10", commitment_id="financing", parties=["ru", "us"],
        text="Ensure uninterrupted banking services for each other's diplomatic missions",
        round_id="r2", dispute_id=_FINANCING, sources=[{"published_at": "2025-04-10", **_MFA}]),
    _ex("commitment.progress_reported", "2025-05", commitment_id="financing",
        text="Illustrative: first payments cleared"),
    _ex("commitment.fulfilled", "2025-06", commitment_id="financing", text="Illustrative"),
    _ex("commitment.breach_alleged", "2025-07", commitment_id="financing", alleged_by="ru",
        text="Illustrative: accounts frozen again"),
    _ex("commitment.breached", "2025-08", commitment_id="financing", text="Illustrative"),
    _ex("commitment.withdrawn", "2025-09", commitment_id="financing", by="us",
        reason="Illustrative"),
    _ex("statement.issued", "2025-04-10", channel="press briefing",
        text="Illustrative: the talks were constructive and work continues",
        speaker={"name": "Tammy Bruce", "title": "Spokesperson, US Department of State",
                 "participant_id": "us"}),
    _ex("record.corrected", "2025-04-11", target_event_id=_EVENT_ID,
        changes={"occurred_at": "2025-04-10"},
        reason="The round took place on 10 April, not 11 April"),
    _ex("record.retracted", "2025-04-11", target_event_id=_EVENT_ID,
        reason="Recorded twice by mistake"),
    _ex("record.erased", "2025-06-02T09:30:00Z", target_event_id=_EVENT_ID, fields=["speaker", "sources[1]"],
        reason="The source asked not to be named (GDPR art. 17)"),
)})
