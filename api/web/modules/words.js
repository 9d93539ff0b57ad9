// How events and entities read: kinds and colours, names, badges, one line per event.
import { h } from "./dom.js";
import { fmtValid } from "./time.js";
import { state } from "./state.js";

// Kinds of events: lanes of the timeline drawing, with their colours (also in style.css).
export const KINDS = [
  { key: "round", label: "Rounds", match: (t) => t.startsWith("round.") },
  { key: "delegation", label: "Delegations", match: (t) => t.startsWith("delegation.") },
  { key: "dispute", label: "Disputes", match: (t) => t.startsWith("dispute.") },
  { key: "position", label: "Positions", match: (t) => t.startsWith("position.") },
  { key: "proposal", label: "Proposals", match: (t) => t.startsWith("proposal.") },
  { key: "commitment", label: "Commitments", match: (t) => t.startsWith("commitment.") },
  { key: "statement", label: "Statements", match: (t) => t.startsWith("statement.") },
  { key: "negotiation", label: "Negotiation", match: (t) => t.startsWith("negotiation.") || t.startsWith("participant.") },
  { key: "record", label: "Record", match: () => true },
];
export const kindOf = (type) => KINDS.find((k) => k.match(type)).key;
export const ROUND_STATUS = {
  "round.scheduled": "scheduled", "round.postponed": "postponed", "round.started": "in_progress",
  "round.concluded": "concluded", "round.cancelled": "cancelled",
};

export const statusText = (status) => (status ? status.replaceAll("_", " ") : "unknown");
export const badge = (status, cls = "status") => h("span", { class: `${cls} ${cls}-${status || "none"}`, "data-status": status || "" }, statusText(status));
export const name = (id) => (id ? state.names[id] || id : "");
export const kindBadge = (type) => h("span", { class: `kind kind-${kindOf(type)}` }, type);

export function pick(obj, ...fields) {
  return Object.fromEntries(fields.filter((f) => obj[f] !== undefined && obj[f] !== null).map((f) => [f, obj[f]]));
}

export function roundName(id) {
  const r = (state.lookup && state.lookup.rounds[id]) || {};
  if (r.number && r.label) return `Round ${r.number} · ${r.label}`;
  if (r.number) return `Round ${r.number}`;
  return r.label || `Round ${id}`;
}

export const disputeName = (id) => (state.lookup && state.lookup.disputes[id]) || id;

export function venueText(v) {
  if (!v) return null;
  return [v.name, v.city, v.country].filter(Boolean).join(", ");
}

export function durationText(d) {
  if (!d) return null;
  const { min_hours: min, max_hours: max } = d;
  const hours = (x) => `${x} hour${x === 1 ? "" : "s"}`;
  if (min != null && max != null) return min === max ? hours(min) : `${min}–${hours(max)}`;
  if (min != null) return `at least ${hours(min)}`;
  if (max != null) return `up to ${hours(max)}`;
  return null;
}

// ---------------------------------------------------------------- events

// An erased field (docs/api.md §10) reads as "[erased]" in the shape it had, so that what shows
// an event needs no case of its own for it.
export const ERASED = "[erased]";
export const ERASED_SHAPES = { speaker: { name: ERASED }, head: { name: ERASED }, participant: { name: ERASED, role: "" },
  venue: { name: ERASED }, parties: [], members: [], participants: [] };

export function displayed(e) {
  if (!e.erased || !e.erased.length) return e;
  const shown = { ...e, sources: (e.sources || []).filter((src) => src !== null) };
  for (const field of e.erased) {
    if (field.includes("[") || shown[field] !== undefined) continue;
    shown[field] = field in ERASED_SHAPES ? ERASED_SHAPES[field] : ERASED;
  }
  return shown;
}

export function describe(event) {
  const e = displayed(event);
  const round = () => roundName(e.round_id);
  const dispute = () => disputeName(e.dispute_id);
  const withText = (text) => (text ? `: ${text}` : "");
  const by = (id, word = "by") => (id ? ` ${word} ${name(id)}` : "");
  switch (e.type) {
    case "negotiation.opened": return `Negotiation opened: ${e.title}`;
    case "participant.joined": return `${e.participant.name} joined as ${e.participant.role}`;
    case "participant.left": return `${name(e.participant_id)} left the negotiation`;
    case "negotiation.suspended": return `Negotiation suspended${withText(e.reason)}`;
    case "negotiation.resumed": return `Negotiation resumed${withText(e.reason)}`;
    case "negotiation.concluded": return `Negotiation concluded${withText(e.outcome)}`;
    case "negotiation.collapsed": return `Negotiation collapsed${withText(e.outcome)}`;
    case "round.proposed": return `${round()} proposed${by(e.proposed_by)}`;
    case "round.scheduled": return `${round()} scheduled${e.scheduled_for ? ` for ${fmtValid(e.scheduled_for)}` : ""}${e.venue ? ` at ${venueText(e.venue)}` : ""}${e.provisional ? " (provisional)" : ""}`;
    case "round.postponed": return `${round()} postponed${withText(e.reason)}${by(e.requested_by, "at the request of")}`;
    case "round.cancelled": return `${round()} cancelled${withText(e.reason)}${by(e.cancelled_by)}`;
    case "delegation.named": return `${name(e.participant_id)} delegation to ${round()} headed by ${e.head.name}${e.head.title ? `, ${e.head.title}` : ""}`;
    case "round.started": return `${round()} began${e.venue ? ` at ${venueText(e.venue)}` : ""}`;
    case "round.concluded": return `${round()} concluded${e.duration ? ` after ${durationText(e.duration)}` : ""}`;
    case "dispute.raised": return `Dispute raised: ${e.title}${by(e.raised_by)}`;
    case "dispute.discussed": return `${dispute()} discussed at ${round()}${withText(e.summary)}`;
    case "dispute.excluded": return `${dispute()} kept off the agenda${by(e.excluded_by)}${withText(e.reason)}`;
    case "position.stated": return `${name(e.participant_id)} (${e.stance.replaceAll("_", " ")}) on ${dispute()}: “${e.text}”`;
    case "proposal.tabled": return `${name(e.proposed_by)} tabled a proposal${by(e.via, "via")}: “${e.text}”`;
    case "proposal.responded": return `${name(e.participant_id)} ${e.response.replaceAll("_", " ")} proposal ${e.proposal_id}${withText(e.text)}`;
    case "proposal.withdrawn": return `Proposal ${e.proposal_id} withdrawn`;
    case "commitment.agreed": return `${(e.parties || []).map(name).join(" and ")} agreed: “${e.text}”`;
    case "commitment.progress_reported": return `Progress on ${e.commitment_id}${withText(e.text)}`;
    case "commitment.fulfilled": return `Commitment ${e.commitment_id} fulfilled${withText(e.text)}`;
    case "commitment.breach_alleged": return `${name(e.alleged_by)} alleged a breach of ${e.commitment_id}${withText(e.text)}`;
    case "commitment.breached": return `Commitment ${e.commitment_id} breached${withText(e.text)}`;
    case "commitment.withdrawn": return `Commitment ${e.commitment_id} withdrawn${by(e.by)}${withText(e.reason)}`;
    case "statement.issued": return `${e.speaker.name}${e.speaker.title ? ` (${e.speaker.title})` : ""}: “${e.text}”`;
    case "record.corrected": return `Correction${withText(e.reason)}`;
    case "record.retracted": return `Retraction${withText(e.reason)}`;
    case "record.erased": return `Erasure of ${(e.fields || []).join(", ")}${withText(e.reason)}`;
    default:
      if (e.type.startsWith("dispute.")) return `${dispute()} ${e.type.slice(8)}${withText(e.summary)}`;
      return e.type;
  }
}

export const reliabilities = (e) => [...new Set((e.sources || []).map((src) => src && src.reliability).filter(Boolean))];
