// The overview, the entity cards, the list of negotiations and the list of events.
import { $, h, replace } from "./dom.js";
import { fmtInstant, timeEl } from "./time.js";
import { state } from "./state.js";
import { hashFor } from "./state.js";
import { ERASED, badge, describe, disputeName, displayed, durationText, kindBadge, kindOf, name, pick, reliabilities,
  roundName, venueText } from "./words.js";
import { openEvents } from "./panel.js";
import { drawTimeline } from "./timeline.js";

export function renderList(list) {
  const note = $("list-note");
  note.textContent = list.items.length ? "" : "No negotiation is in the log at this point in time.";
  const items = list.items.map((n) => {
    const current = n.id === state.negotiationId;
    const counts = n.counts || {};
    return h("li", { class: current ? "current" : null },
      h("a", { href: hashFor(n.id), "aria-current": current ? "page" : null }, n.title || n.id),
      h("span", { class: "list-meta" }, badge(n.status),
        ` ${counts.rounds || 0} rounds · ${counts.disputes || 0} disputes · ${counts.events || 0} events`));
  });
  replace($("list"), items);
}

export function render(data) {
  const n = data.negotiation;
  state.names = Object.fromEntries((n.participants || []).map((p) => [p.id, p.name]));
  state.participants = n.participants || [];
  state.lookup = lookups(data);
  state.entityIds = {
    proposal: data.proposals.map((x) => ({ id: x.proposal_id, label: x.text ? x.text.slice(0, 60) : x.proposal_id })),
    commitment: data.commitments.map((x) => ({ id: x.commitment_id, label: x.text ? x.text.slice(0, 60) : x.commitment_id })),
  };
  document.title = `${n.title} — negotiation-log`;

  $("neg-title").textContent = n.title;
  replace($("neg-status"), badge(n.status));
  $("neg-format").textContent = n.format ? `${n.format} · version ${n.version}` : `version ${n.version}`;
  $("neg-subject").textContent = n.subject || "";
  $("neg-outcome").hidden = !n.outcome;
  $("neg-outcome").textContent = n.outcome ? `Outcome: ${n.outcome}` : "";
  replace($("participants"), (n.participants || []).map((p) =>
    h("li", { class: p.present === false ? "left" : null, "data-participant": p.id },
      h("strong", {}, p.name), ` — ${p.role}`, p.present === false ? " (left)" : "")));
  const negEvents = data.inEffect.filter((e) => e.type.startsWith("negotiation.") || e.type.startsWith("participant."));
  const negButton = $("neg-events");
  negButton.textContent = `Events of the negotiation (${negEvents.length})`;
  negButton.onclick = () => openEvents(`Events of the negotiation: ${n.title}`, negEvents);

  renderCards("rounds", data.rounds, roundCard, "No round is recorded at this point.", data.inEffect);
  renderCards("disputes", data.disputes, disputeCard, "No dispute is recorded at this point.", data.inEffect);
  renderCards("proposals", data.proposals, proposalCard, "No proposal is recorded at this point.", data.inEffect);
  renderCards("commitments", data.commitments, commitmentCard, "No commitment is recorded at this point.", data.inEffect);
  const statements = data.inEffect.filter((e) => e.type === "statement.issued");
  renderCards("statements", statements, statementCard, "No statement is recorded at this point.", data.inEffect);
  renderEvents(data.inEffect, data.known);
  state.view = { known: data.known, inEffect: new Set(data.inEffect.map((e) => e.event_id)), asOf: state.asOf };
  drawTimeline(state.view);
}

export function lookups(data) {
  const rounds = {};
  const disputes = {};
  for (const e of data.known) {
    if (e.round_id && (e.label || e.number)) rounds[e.round_id] = { ...rounds[e.round_id], ...pick(e, "label", "number") };
    if (e.type === "dispute.raised") disputes[e.dispute_id] = e.title;
  }
  for (const r of data.rounds) rounds[r.round_id] = { label: r.label, number: r.number };
  for (const d of data.disputes) disputes[d.dispute_id] = d.title;
  return { rounds, disputes };
}

export function renderCards(section, items, card, empty, events) {
  const box = $(section);
  if (!items.length) {
    replace(box, h("p", { class: "muted" }, empty));
    return;
  }
  replace(box, items.map((item) => card(item, events)));
}

export function card(kind, id, title, status, body, events) {
  const titleId = `${kind}-${id}-title`.replace(/[^a-zA-Z0-9_-]/g, "_");
  return h("article", { class: `card card-${kind}`, "data-kind": kind, "data-id": id, "aria-labelledby": titleId },
    h("header", { class: "card-head" }, h("h3", { id: titleId }, title), status ? badge(status) : null),
    body,
    h("p", { class: "actions" }, h("button", {
      type: "button", class: "secondary events-button",
      "aria-label": `Events of ${title} (${events.length})`,
      onclick: () => openEvents(`Events of ${title}`, events),
    }, `Events (${events.length})`)));
}

export function facts(pairs) {
  const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "" &&
    !(Array.isArray(value) && !value.length));
  if (!rows.length) return null;
  return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
}

export function heldText(r) {
  if (!r.started_at && !r.concluded_at) return null;
  if (r.started_at && r.concluded_at && r.started_at !== r.concluded_at) {
    return [timeEl(r.started_at), " to ", timeEl(r.concluded_at)];
  }
  return timeEl(r.started_at || r.concluded_at);
}

export function roundCard(r, events) {
  const delegations = Object.entries(r.delegations || {}).map(([pid, d]) =>
    h("li", {}, `${name(pid)}: `, h("strong", {}, d.head ? d.head.name : "head not named"),
      d.head && d.head.title ? `, ${d.head.title}` : "",
      d.members && d.members.length ? ` (+${d.members.length} member${d.members.length === 1 ? "" : "s"})` : ""));
  const body = [
    facts([
      ["Venue", venueText(r.venue)],
      ["Scheduled for", r.scheduled_for ? [timeEl(r.scheduled_for), r.provisional ? " (provisional)" : ""] : null],
      ["Proposed by", r.proposed_by ? name(r.proposed_by) : null],
      ["Held", heldText(r)],
      ["Duration", durationText(r.duration)],
      ["Delegation heads", delegations.length ? h("ul", { class: "plain" }, delegations) : h("span", { class: "muted" }, "not named")],
      ["Disputes discussed", (r.disputes_discussed || []).map(disputeName).join("; ")],
      ["Postponed", r.postponement ? [timeEl(r.postponement.at), r.postponement.reason ? `: ${r.postponement.reason}` : "",
        r.postponement.requested_by ? ` (asked by ${name(r.postponement.requested_by)})` : ""] : null],
      ["Cancelled", r.cancellation ? [timeEl(r.cancellation.at), r.cancellation.reason ? `: ${r.cancellation.reason}` : "",
        r.cancellation.cancelled_by ? ` (by ${name(r.cancellation.cancelled_by)})` : ""] : null],
    ]),
    r.summary ? h("p", { class: "summary" }, r.summary) : null,
  ];
  return card("round", r.round_id, roundName(r.round_id), r.status, body, events.filter((e) => e.round_id === r.round_id));
}

export function disputeCard(d, events) {
  const parties = Object.keys(state.names);
  const stated = d.positions || {};
  const ids = [...new Set([...Object.keys(stated), ...parties.filter((p) => isParty(p))])];
  const positions = ids.map((pid) => {
    const p = stated[pid];
    return h("li", { "data-participant": pid },
      h("span", { class: "party" }, name(pid)), " ",
      p ? [badge(p.stance, "stance"), " ", h("q", {}, p.text ?? ERASED), " ", h("span", { class: "when" }, "stated ", timeEl(p.stated_at))]
        : h("span", { class: "muted" }, "no position recorded"));
  });
  const body = [
    d.description ? h("p", {}, d.description) : null,
    facts([
      ["Raised", d.raised_at ? [timeEl(d.raised_at), d.raised_by ? ` by ${name(d.raised_by)}` : ""] : null],
      ["Discussed in", (d.rounds || []).map(roundName).join("; ")],
      ["Resolution", d.resolution],
      ["Kept off the agenda by", d.excluded_by ? name(d.excluded_by) : null],
    ]),
    h("h4", {}, "Latest positions"),
    h("ul", { class: "positions" }, positions),
  ];
  return card("dispute", d.dispute_id, d.title || d.dispute_id, d.status, body, events.filter((e) => e.dispute_id === d.dispute_id));
}

export function isParty(pid) {
  const p = (state.participants || []).find((x) => x.id === pid);
  return p ? p.role === "party" : true;
}

export function proposalCard(p, events) {
  const details = p.response_details || {};
  const responses = Object.entries(p.responses || {}).map(([pid, response]) => {
    const d = details[pid] || {};
    return h("li", { "data-participant": pid }, h("span", { class: "party" }, name(pid)), " ", badge(response, "status"),
      d.text ? [" ", h("q", {}, d.text)] : "", d.responded_at ? [" ", h("span", { class: "when" }, timeEl(d.responded_at))] : "");
  });
  const body = [
    h("p", {}, h("q", {}, p.text ?? ERASED)),
    facts([
      ["Tabled by", [name(p.proposed_by), p.via ? ` via ${name(p.via)}` : ""]],
      ["Tabled", p.tabled_at ? timeEl(p.tabled_at) : null],
      ["On the dispute", p.dispute_id ? disputeName(p.dispute_id) : null],
      ["Withdrawn", p.withdrawn_at ? timeEl(p.withdrawn_at) : null],
    ]),
    h("h4", {}, "Responses"),
    responses.length ? h("ul", { class: "positions" }, responses) : h("p", { class: "muted" }, "No response recorded."),
  ];
  return card("proposal", p.proposal_id, `Proposal: ${p.proposal_id}`, p.status, body,
    events.filter((e) => e.proposal_id === p.proposal_id));
}

export function commitmentCard(c, events) {
  const history = (c.history || []).map((entry) => h("li", {}, timeEl(entry.occurred_at), " — ",
    entry.type.replace("commitment.", "").replaceAll("_", " "), entry.text && entry.type !== "commitment.agreed" ? `: ${entry.text}` : "",
    entry.alleged_by ? ` (alleged by ${name(entry.alleged_by)})` : "", entry.reason ? ` (${entry.reason})` : ""));
  const body = [
    h("p", {}, h("q", {}, c.text ?? ERASED)),
    facts([
      ["Parties", (c.parties || []).map(name).join(", ")],
      ["Agreed", c.agreed_at ? timeEl(c.agreed_at) : null],
      ["At", c.round_id ? roundName(c.round_id) : null],
      ["On the dispute", c.dispute_id ? disputeName(c.dispute_id) : null],
      ["Due", c.due ? timeEl(c.due) : null],
    ]),
    h("h4", {}, "History"),
    h("ol", { class: "history" }, history),
  ];
  return card("commitment", c.commitment_id, `Commitment: ${c.commitment_id}`, c.status, body,
    events.filter((e) => e.commitment_id === c.commitment_id));
}

export function statementCard(event) {
  const e = displayed(event);
  const sp = e.speaker || {};
  const article = h("article", { class: `card card-statement${e.retracted ? " retracted" : ""}`, "data-kind": "statement", "data-id": e.event_id },
    h("header", { class: "card-head" }, h("h3", {}, sp.name || "Statement"), e.retracted ? h("span", { class: "tag" }, "retracted") : null),
    h("p", { class: "muted" }, [sp.title, sp.participant_id ? name(sp.participant_id) : null, e.channel].filter(Boolean).join(" · ")),
    h("blockquote", {}, e.retracted ? h("del", {}, e.text ?? ERASED) : e.text ?? ERASED),
    h("p", { class: "when" }, timeEl(e.occurred_at)),
    h("p", { class: "actions" }, h("button", {
      type: "button", class: "secondary", onclick: () => openEvents(`Statement by ${sp.name || "?"}`, [event]),
    }, "Source and record")));
  return article;
}

export function renderEvents(inEffect, known) {
  const later = known.length - inEffect.length;
  $("events-note").textContent = `${inEffect.length} event${inEffect.length === 1 ? "" : "s"} in valid-time order` +
    (later > 0 ? `; ${later} more happened after this date.` : ".");
  replace($("events"), inEffect.map((e) => {
    const text = describe(e);
    return h("li", { class: `event kind-line-${kindOf(e.type)}${e.retracted ? " retracted" : ""}`, "data-event-id": e.event_id, "data-type": e.type },
      h("div", { class: "event-when" }, timeEl(e.occurred_at)),
      h("div", { class: "event-what" },
        h("p", {}, kindBadge(e.type), e.retracted ? [" ", h("span", { class: "tag" }, "retracted")] : null,
          e.corrected_by && e.corrected_by.length ? [" ", h("span", { class: "tag" }, "corrected")] : null,
          e.attributed_to ? [" ", h("span", { class: "tag claim" }, `claim of ${name(e.attributed_to)}`)] : null),
        h("p", { class: "event-text" }, e.retracted ? h("del", {}, text) : text),
        h("p", { class: "when" },
          `${(e.sources || []).length} source${(e.sources || []).length === 1 ? "" : "s"}`,
          reliabilities(e).length ? ` (${reliabilities(e).join(", ")})` : "",
          ` · recorded by ${e.recorded_by}, ${fmtInstant(e.recorded_at)}`)),
      h("div", { class: "event-more" }, h("button", {
        type: "button", class: "secondary", "aria-label": `Details of: ${text.slice(0, 80)}`,
        onclick: () => openEvents(`Event: ${e.type}`, [e]),
      }, "Details")));
  }));
}
