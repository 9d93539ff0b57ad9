"""Which facts mean which PLOVER event (PLOVER manual, "Event Categories"; the CAMEO analogue
named where PLOVER's own CAMEO-to-PLOVER table gives one). The README's PLOVER table is this
one in words; keep the two in step. Facts not named here have no PLOVER meaning and are left
out of the export: PLOVER codes interactions between actors, not the record's bookkeeping
(openings, membership, delegations, agenda), and "does not code any sort of simple commentary"
(statements). Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

# Quad categories (PLOVER manual: each category's "Quad category" line): 1 verbal
# cooperation, 2 material cooperation, 3 verbal conflict, 4 material conflict.
QUAD_CODES = {
    "AGREE": 1, "CONSULT": 1, "SUPPORT": 1, "CONCEDE": 1,
    "COOPERATE": 2, "AID": 2, "RETREAT": 2,
    "REQUEST": 3, "ACCUSE": 3, "REJECT": 3, "THREATEN": 3,
    "PROTEST": 4, "SANCTION": 4, "MOBILIZE": 4, "COERCE": 4, "ASSAULT": 4,
}
CONTEXT = ("diplomatic",)  # every negotiation is diplomacy, "both international and domestic"


@dataclass(frozen=True)
class Coding:
    event: str
    actor: str  # the field naming the actor (a participant id or a list); "*parties": the negotiation's parties
    # "*others": the negotiation's parties other than the actor; "": none; "*proposer": the
    # proposal's proposer; "*commitment": the commitment's parties other than the actor.
    recipient: str = "*others"
    mode: str | None = None


# A stance on a dispute: demand → REQUEST (CAMEO 10 "Demand"); offer → AGREE ("agree to, offer,
# promise"); accept → CONCEDE ("accede to demands", CAMEO 08); reject and red line → REJECT
# (CAMEO 12, 124 "Decline to yield"). A neutral stance says nothing PLOVER codes.
STANCES = {"demand": "REQUEST", "offer": "AGREE", "accept": "CONCEDE", "reject": "REJECT", "red_line": "REJECT"}
# A response to a proposal: accepted → AGREE; rejected → REJECT (CAMEO 127 "Reject plan,
# agreement to settle dispute"); countered → REJECT of the proposal as tabled (the counter-offer
# is a proposal of its own when recorded as one); under review says nothing yet.
RESPONSES = {"accepted": "AGREE", "rejected": "REJECT", "countered": "REJECT"}

CODINGS: Mapping[str, Coding] = {
    # Arranging a meeting: "references to future meetings ... should be coded as AGREE"
    # (CAMEO 036 "Express intent to meet or negotiate").
    "round.proposed": Coding("AGREE", actor="proposed_by"),
    "round.scheduled": Coding("AGREE", actor="*parties", recipient=""),
    # A round held: CONSULT (CAMEO 046 "Engage in negotiation"), modes by the round (plover.py).
    "round.started": Coding("CONSULT", actor="*parties", recipient=""),
    # Calling a round off, or keeping a dispute off the agenda (CAMEO 125 "Reject proposal to
    # meet, discuss, negotiate"): REJECT, mode meet. Without who did it there is no actor.
    "round.cancelled": Coding("REJECT", actor="cancelled_by", mode="meet"),
    "dispute.excluded": Coding("REJECT", actor="excluded_by", mode="meet"),
    "position.stated": Coding("*stance", actor="participant_id"),
    "proposal.tabled": Coding("AGREE", actor="proposed_by"),
    "proposal.responded": Coding("*response", actor="participant_id", recipient="*proposer"),
    # An agreement (CAMEO 03 "Express intent to cooperate"): all its parties act together.
    "commitment.agreed": Coding("AGREE", actor="parties", recipient=""),
    # An alleged breach: ACCUSE, mode allege (CAMEO 112 "Accuse"), at the commitment's other parties.
    "commitment.breach_alleged": Coding("ACCUSE", actor="alleged_by", recipient="*commitment", mode="allege"),
    # Walking away from a commitment: REJECT (of the cooperation agreed).
    "commitment.withdrawn": Coding("REJECT", actor="by"),
}


def event_of(coding: Coding, fact: Mapping[str, Any]) -> str | None:
    if coding.event == "*stance":
        return STANCES.get(fact["stance"])
    if coding.event == "*response":
        return RESPONSES.get(fact["response"])
    return coding.event
