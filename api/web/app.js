// The negotiation-log web page. Plain JavaScript modules, no build step, nothing from other
// origins. Everything shown comes from the public HTTP API, on both time axes: `as_of` (valid
// time) and `known_at` (recorded time). This module loads what the page shows; the others
// (modules/) are the API client, the page state, the words, the cards, the timeline drawing,
// the event panel and the time controls.
import { $, h, replace } from "./modules/dom.js";
import { apiAll, api, enc } from "./modules/api.js";
import { axes, state, readHash, writeHash } from "./modules/state.js";
import { render, renderList } from "./modules/cards.js";
import { bindControls, fieldMessage, fillRecordedMoments, setRange, showError, syncControls } from "./modules/controls.js";
import { initRecording, mayRecord, showRecording } from "./modules/record.js";
import { followLive } from "./modules/live.js";
import { initOpening, showOpening } from "./modules/opening.js";
import { dropRepeatClicks } from "./modules/submit.js";
import { firstPage, inEffectAt, nextPage, remember } from "./modules/pages.js";

// ---------------------------------------------------------------- loading

async function load(options = {}) {
  const seq = ++state.seq;
  if (state.controller) state.controller.abort();
  const controller = new AbortController();
  state.controller = controller;
  const { signal } = controller;
  const main = $("negotiation");
  main.setAttribute("aria-busy", "true");
  document.body.dataset.state = "loading";
  try {
    const list = await apiAll("/negotiations", axes(), signal);
    if (seq !== state.seq) return;
    // The API took both axes: this is what the page now shows.
    state.shown = { asOf: state.asOf, knownAt: state.knownAt };
    if (!state.me || state.me.token !== state.token) state.me = { ...(await api("/me", {}, signal)), token: state.token };
    if (seq !== state.seq) return;
    hideAuth();
    showOpening();
    if (!state.negotiationId && list.items.length) {
      state.negotiationId = list.items[0].id;
      writeHash(false);
    }
    renderList(list);
    await loadNegotiation(signal, seq);
    if (seq !== state.seq) return;
    fieldMessage("as_of", null);
    fieldMessage("known_at", null);
    showError(null);
    writeHash(Boolean(options.push));
  } catch (e) {
    if (e.name === "AbortError" || seq !== state.seq) return;
    failed(e);
  } finally {
    if (seq === state.seq) {
      main.setAttribute("aria-busy", "false");
      main.dataset.asOf = state.shown.asOf || "";
      main.dataset.knownAt = state.shown.knownAt || "";
      document.body.dataset.state = "ready";
    }
  }
}

function failed(e) {
  if (e.status === 401) {
    showAuth(state.token ? `The service refused the token: ${e.message}` : "");
    return;
  }
  const field = e.field === "as_of" || e.field === "known_at" ? e.field : null;
  if (e.status === 422 && field) {
    // A time the API refused: say why beside the field, keep showing the previous state.
    fieldMessage(field, `The service refused this time: ${e.message}`);
    state.asOf = state.shown.asOf;
    state.knownAt = state.shown.knownAt;
    syncControls({ keepField: field });
    return;
  }
  showError(e.status ? `${e.message} (HTTP ${e.status})` : e.message);
}

async function loadNegotiation(signal, seq) {
  const id = state.negotiationId;
  const content = $("content");
  const absent = $("absent");
  if (!id) {
    content.hidden = true;
    absent.hidden = false;
    replace(absent, h("p", {}, state.asOf || state.knownAt
      ? "No negotiation is in the log at this point in time. Choose a later date, or Latest."
      : "The log holds no negotiation yet."));
    setRange(null);
    syncControls();
    return;
  }
  const base = `/negotiations/${enc(id)}`;
  const current = axes();
  const past = Boolean(state.asOf || state.knownAt);
  // One page of the timeline as known at known_at: what was in effect at as_of is its prefix.
  const [negotiation, rounds, disputes, proposals, commitments, timeline, latest] = await Promise.allSettled([
    api(base, current, signal),
    apiAll(`${base}/rounds`, current, signal),
    apiAll(`${base}/disputes`, current, signal),
    apiAll(`${base}/proposals`, current, signal),
    apiAll(`${base}/commitments`, current, signal),
    firstPage(id, state.knownAt, signal),
    // What a write is checked against (If-Match) is the version now, whatever the page shows.
    past ? api(base, {}, signal) : Promise.resolve(null),
  ]);
  if (seq !== state.seq) return;
  if (timeline.status === "rejected" && timeline.reason.status === 404 && timeline.reason.rule === "negotiation-exists") {
    content.hidden = true;
    absent.hidden = false;
    replace(absent, h("h1", {}, "No such negotiation"), h("p", {}, `The service says: ${timeline.reason.message}.`),
      h("p", {}, "Choose one from the list of negotiations."));
    state.full = null;
    state.timeline = null;
    setRange(null);
    syncControls();
    return;
  }
  const refused = [negotiation, rounds, disputes, proposals, commitments, timeline, latest]
    .find((r) => r.status === "rejected" && r.reason.status !== 404);
  if (refused) throw refused.reason;
  if (timeline.status === "fulfilled") {
    state.timeline = timeline.value;
    const seen = remember(id, timeline.value.items);
    setRange(seen);
    fillRecordedMoments(seen);
  } else {
    // Not yet recorded at known_at: the range stays what the page saw of it before.
    setRange(state.full && state.full.id === id ? state.full.items : null);
  }
  const now = past ? latest.value : negotiation.value;
  state.version = now ? now.version : null;
  state.position = now ? now.position : null;
  followLive();
  if (negotiation.status === "rejected") {
    // 404: the negotiation was not open (or not yet recorded) at that point.
    content.hidden = true;
    absent.hidden = false;
    replace(absent, h("h1", {}, "Nothing to show at this point"),
      h("p", {}, `The service says: ${negotiation.reason.message}.`),
      h("p", {}, "Move the date later, or choose Latest."));
    syncControls();
    return;
  }
  absent.hidden = true;
  content.hidden = false;
  state.shownData = {
    negotiation: negotiation.value,
    rounds: rounds.value.items,
    disputes: disputes.value.items,
    proposals: proposals.value.items,
    commitments: commitments.value.items,
  };
  showTimeline();
  syncControls();
  await showRecording();
}

// The cards and the events from the timeline's pages loaded so far; "Show more events" while
// the API has more.
function showTimeline() {
  const known = state.timeline.items;
  render({ ...state.shownData, inEffect: inEffectAt(known, state.shownData.negotiation.as_of), known });
  const more = $("events-more");
  more.hidden = !state.timeline.next;
  more.disabled = false;
}

async function showMore() {
  const more = $("events-more");
  more.disabled = true;
  try {
    if (await nextPage()) {
      setRange(remember(state.timeline.id, state.timeline.items));
      showTimeline();
      syncControls();
    }
  } catch (e) {
    failed(e);
  } finally {
    more.disabled = false;
  }
}

// ---------------------------------------------------------------- authentication

// `optional`: the log is readable without a token, and one is asked for to record.
function showAuth(message, optional = false) {
  $("auth-title").textContent = optional ? "Use a token" : "A token is needed to read this log";
  $("auth-cancel").hidden = !optional;
  $("app").hidden = true;
  $("auth").hidden = false;
  $("auth-message").textContent = message || "";
  $("auth-message").classList.toggle("bad", Boolean(message));
  updateSession();
  if (!optional && !state.token) $("session").hidden = true;
  $("token").focus();
}

function hideAuth() {
  $("auth").hidden = true;
  $("app").hidden = false;
  updateSession();
}

function updateSession() {
  const who = state.me && state.me.token === state.token && state.token ? `${state.me.name} (${state.me.role})` : null;
  $("session").hidden = false;
  $("forget-token").hidden = !state.token;
  $("use-token").hidden = Boolean(state.token);
  $("session-text").textContent = state.token
    ? `${who ? `Signed in as ${who}` : "Reading with a token"}, kept in this tab only.${who && !mayRecord() ? " This role cannot record." : ""}`
    : "Reading without a token.";
}

// ---------------------------------------------------------------- start

document.addEventListener("DOMContentLoaded", () => {
  dropRepeatClicks();
  bindControls(load);
  initRecording(load);
  initOpening();
  $("events-more").addEventListener("click", showMore);
  $("use-token").addEventListener("click", () => showAuth("", true));
  $("auth-cancel").addEventListener("click", () => {
    hideAuth();
    $("use-token").focus();
  });
  $("live-show").addEventListener("click", async () => {
    state.full = null;
    await load();
    $("negotiation").focus();
  });
  readHash();
  updateSession();
  load();
});
