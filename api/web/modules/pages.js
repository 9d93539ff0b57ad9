// The timeline, one page at a time: a view asks once for the first page of what was known at
// `known_at` (valid-time order), and "Show more events" asks for the next. What was in effect
// at `as_of` is a prefix of that page, found here as the API finds it (begun by `as_of`), so
// the page never asks for the same timeline twice.
import { api, enc } from "./api.js";
import { state } from "./state.js";

export const TIMELINE_PAGE = 200;

// Microseconds since the epoch, exact (Date keeps milliseconds): times here are the API's UTC
// instants, as in `2025-05-31T23:59:59.999999Z`.
export function micros(instant) {
  const m = /^(.*?)(?:\.(\d{1,6}))?Z$/.exec(instant || "");
  if (!m) return null;
  const ms = Date.parse(`${m[1]}Z`);
  if (Number.isNaN(ms)) return null;
  return BigInt(ms) * 1000n + BigInt(`${m[2] || ""}000000`.slice(0, 6));
}

// The facts of `known` the API would list with `as_of` (the answer's echo of it, in UTC).
export function inEffectAt(known, asOf) {
  const end = micros(asOf);
  if (end === null) return known;
  return known.filter((e) => {
    const begun = micros(e.occurred_from);
    return begun === null || begun <= end;
  });
}

// The first page for a view: { id, knownAt, items, next }.
export async function firstPage(id, knownAt, signal) {
  const page = await api(`/negotiations/${enc(id)}/timeline`, { known_at: knownAt, limit: TIMELINE_PAGE }, signal);
  return { id, knownAt, items: page.items, next: page.next_cursor };
}

// The next page of the timeline shown, appended to it; false if there is none.
export async function nextPage() {
  const shown = state.timeline;
  if (!shown || !shown.next) return false;
  const page = await api(`/negotiations/${enc(shown.id)}/timeline`,
    { known_at: shown.knownAt, limit: TIMELINE_PAGE, cursor: shown.next });
  if (state.timeline !== shown) return false; // another view came meanwhile
  shown.items = [...shown.items, ...page.items];
  shown.next = page.next_cursor;
  return true;
}

// What the page has seen of a negotiation's timeline, for the date range and the recorded
// moments: grown by each page loaded, started afresh for another negotiation.
export function remember(id, items) {
  if (!state.full || state.full.id !== id) state.full = { id, byId: new Map() };
  for (const e of items) state.full.byId.set(e.event_id, e);
  state.full.items = [...state.full.byId.values()];
  return state.full.items;
}
