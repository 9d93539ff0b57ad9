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
    hideAuth();
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
  if (!state.full || state.full.id !== id) {
    let all;
    try {
      all = await apiAll(`/negotiations/${enc(id)}/timeline`, {}, signal);
    } catch (e) {
      if (e.status !== 404) throw e;
      content.hidden = true;
      absent.hidden = false;
      replace(absent, h("h1", {}, "No such negotiation"), h("p", {}, `The service says: ${e.message}.`),
        h("p", {}, "Choose one from the list of negotiations."));
      state.full = null;
      setRange(null);
      syncControls();
      return;
    }
    state.full = { id, items: all.items };
    setRange(all.items);
    fillRecordedMoments(all.items);
  }
  const base = `/negotiations/${enc(id)}`;
  const current = axes();
  const [negotiation, rounds, disputes, proposals, commitments, inEffect, known] = await Promise.allSettled([
    api(base, current, signal),
    apiAll(`${base}/rounds`, current, signal),
    apiAll(`${base}/disputes`, current, signal),
    apiAll(`${base}/proposals`, current, signal),
    apiAll(`${base}/commitments`, current, signal),
    apiAll(`${base}/timeline`, current, signal),
    apiAll(`${base}/timeline`, { known_at: state.knownAt }, signal),
  ]);
  if (seq !== state.seq) return;
  const refused = [negotiation, rounds, disputes, proposals, commitments, inEffect, known]
    .find((r) => r.status === "rejected" && r.reason.status !== 404);
  if (refused) throw refused.reason;
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
  const value = (r) => r.value.items;
  render({
    negotiation: negotiation.value,
    rounds: value(rounds),
    disputes: value(disputes),
    proposals: value(proposals),
    commitments: value(commitments),
    inEffect: value(inEffect),
    known: value(known),
  });
  syncControls();
}

// ---------------------------------------------------------------- authentication

function showAuth(message) {
  $("app").hidden = true;
  $("auth").hidden = false;
  $("auth-message").textContent = message || "";
  $("auth-message").classList.toggle("bad", Boolean(message));
  updateSession();
  $("token").focus();
}

function hideAuth() {
  $("auth").hidden = true;
  $("app").hidden = false;
  updateSession();
}

function updateSession() {
  $("session").hidden = !state.token;
  $("session-text").textContent = state.token ? "Reading with a token, kept in this tab only." : "";
}

// ---------------------------------------------------------------- start

document.addEventListener("DOMContentLoaded", () => {
  bindControls(load);
  readHash();
  updateSession();
  load();
});
