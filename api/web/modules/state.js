// What the page shows and where: one shared object, and the shareable #fragment.

export const TOKEN_KEY = "negotiation-log:token";

export const state = {
  token: sessionStorage.getItem(TOKEN_KEY),
  negotiationId: null,
  asOf: null, // as sent to the API (text), or null for the latest state
  knownAt: null,
  shown: { asOf: null, knownAt: null }, // the axes of what is on screen
  full: null, // { id, items }: what the page has loaded of the timeline, for the date range and the recorded moments
  timeline: null, // { id, knownAt, items, next }: the pages of the timeline shown (modules/pages.js)
  shownData: null, // the negotiation and its entities the cards show
  range: null, // { t0, days }: the slider's and the drawing's span of valid time, whole UTC days
  view: null, // what the timeline drawing was last drawn from
  names: {},
  controller: null,
  seq: 0,
  me: null, // {name, role} of the token (GET /me): recording controls only for roles that may append
  version: null, // the negotiation's current version, sent as If-Match
  position: null, // the log's global position that version was read at
  mine: new Set(), // event ids this page recorded: not "new events" in the live notice
};

export const axes = () => ({ as_of: state.asOf, known_at: state.knownAt });

// ---------------------------------------------------------------- location (shareable)

export function readHash() {
  const params = new URLSearchParams(window.location.hash.slice(1));
  state.negotiationId = params.get("n") || null;
  state.asOf = params.get("as_of") || null;
  state.knownAt = params.get("known_at") || null;
}

export function hashFor(id, asOf = state.asOf, knownAt = state.knownAt) {
  const params = new URLSearchParams();
  if (id) params.set("n", id);
  if (asOf) params.set("as_of", asOf);
  if (knownAt) params.set("known_at", knownAt);
  return `#${params.toString()}`;
}

export function writeHash(push) {
  const hash = hashFor(state.negotiationId);
  if (hash === window.location.hash) return;
  if (push) window.history.pushState(null, "", hash);
  else window.history.replaceState(null, "", hash);
}
