// The negotiation-log web page. Plain JavaScript, no build step, nothing from other origins.
// Everything shown comes from the public HTTP API, on both time axes: `as_of` (valid time)
// and `known_at` (recorded time). Text from the log is only ever set as text, never as HTML.
"use strict";

(() => {
  const TOKEN_KEY = "negotiation-log:token";
  const DAY = 86400000;
  const PAGE = 1000;
  const MAX_PAGES = 50;

  // Kinds of events: lanes of the timeline drawing, with their colours (also in style.css).
  const KINDS = [
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
  const kindOf = (type) => KINDS.find((k) => k.match(type)).key;
  const ROUND_STATUS = {
    "round.scheduled": "scheduled", "round.postponed": "postponed", "round.started": "in_progress",
    "round.concluded": "concluded", "round.cancelled": "cancelled",
  };

  const $ = (id) => document.getElementById(id);

  const state = {
    token: sessionStorage.getItem(TOKEN_KEY),
    negotiationId: null,
    asOf: null, // as sent to the API (text), or null for the latest state
    knownAt: null,
    shown: { asOf: null, knownAt: null }, // the axes of what is on screen
    full: null, // { id, items }: the whole timeline, for the date range and the recorded moments
    range: null, // { t0, days }: the slider's and the drawing's span of valid time, whole UTC days
    view: null, // what the timeline drawing was last drawn from
    names: {},
    controller: null,
    seq: 0,
  };

  // ---------------------------------------------------------------- building DOM safely

  function h(tag, attrs, ...children) {
    const el = document.createElement(tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function s(tag, attrs, ...children) {
    const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
    setAttrs(el, attrs);
    append(el, children);
    return el;
  }

  function setAttrs(el, attrs) {
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value === null || value === undefined || value === false) continue;
      if (name === "text") el.textContent = value;
      else if (name.startsWith("on")) el.addEventListener(name.slice(2), value);
      else el.setAttribute(name, value === true ? "" : String(value));
    }
  }

  function append(el, children) {
    for (const child of children.flat(Infinity)) {
      if (child === null || child === undefined || child === false) continue;
      el.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
  }

  function replace(el, ...children) {
    el.replaceChildren();
    append(el, children);
  }

  // Links from the data are followed only if they are plain web addresses.
  function safeUrl(text) {
    try {
      const url = new URL(text);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  // ---------------------------------------------------------------- time

  const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
    "October", "November", "December"];
  const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
  const longDayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
  const monthFormat = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
  const instantFormat = new Intl.DateTimeFormat("en-GB", {
    day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
    hour12: false, timeZone: "UTC",
  });

  const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
  const startOfDay = (ms) => Math.floor(ms / DAY) * DAY;
  const fmtDay = (ms) => dayFormat.format(new Date(ms));
  const fmtInstant = (text) => {
    const ms = Date.parse(text);
    return Number.isNaN(ms) ? text : `${instantFormat.format(new Date(ms))} UTC`;
  };

  // The first and last instant (ms, UTC) of a valid-time text: YYYY, YYYY-MM, YYYY-MM-DD, a
  // date-time (no offset means UTC) or START/END of those, EDTF qualifiers (2025-05~) and
  // unspecified digits (2025-05-XX, 202X) included; null if it is none of them. An open end
  // (2025-05-23/..) gives the known end's period: the page draws what is known.
  function period(text) {
    if (text === null || text === undefined) return null;
    const t = String(text).trim().replace(/[?~%]$/, "");
    const parts = t.split("/");
    if (parts.length === 2) {
      if (parts[1] === "..") return period(parts[0]);
      if (parts[0] === "..") return period(parts[1]);
      const a = period(parts[0]);
      const b = period(parts[1]);
      return a && b ? [a[0], b[1]] : null;
    }
    let m;
    if ((m = /^(\d{2})(\d|X)X$/.exec(t))) {
      const first = +`${m[1]}${m[2] === "X" ? "0" : m[2]}0`;
      return [Date.UTC(first, 0, 1), Date.UTC(first + (m[2] === "X" ? 100 : 10), 0, 1) - 1];
    }
    if ((m = /^(\d{4})(?:-XX){1,2}$/.exec(t))) return period(m[1]);
    if ((m = /^(\d{4}-\d{2})-XX$/.exec(t))) return period(m[1]);
    if ((m = /^(\d{4})$/.exec(t))) return [Date.UTC(+m[1], 0, 1), Date.UTC(+m[1] + 1, 0, 1) - 1];
    if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return [Date.UTC(+m[1], +m[2] - 1, 1), Date.UTC(+m[1], +m[2], 1) - 1];
    if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
      const start = Date.UTC(+m[1], +m[2] - 1, +m[3]);
      return [start, start + DAY - 1];
    }
    if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t)) {
      const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/i.test(t) ? t : `${t}Z`);
      if (!Number.isNaN(ms)) return [ms, ms];
    }
    return null;
  }

  // Where an event sits in the drawing: its period as known (an open end is not drawn out to
  // the year 9999), or the server's bounds.
  function drawn(e) {
    return period(e.occurred_at) || [Date.parse(e.occurred_from), Date.parse(e.occurred_until)];
  }

  // A valid-time text as a reader would say it, EDTF qualifiers kept as projections/export/
  // dates.py says them: 2025-05~ is "c. May 2025", 2025-05? is "May 2025?".
  function fmtValid(text) {
    if (!text) return "";
    const t = String(text);
    const parts = t.split("/");
    if (parts.length === 2) {
      if (parts[1] === "..") return `from ${fmtValid(parts[0])}`;
      if (parts[0] === "..") return `until ${fmtValid(parts[1])}`;
      return `${fmtValid(parts[0])} – ${fmtValid(parts[1])}`;
    }
    const q = /[?~%]$/.test(t) ? t.slice(-1) : "";
    const shown = fmtPlain(q ? t.slice(0, -1) : t);
    return `${q === "~" || q === "%" ? "c. " : ""}${shown}${q === "?" || q === "%" ? "?" : ""}`;
  }

  function fmtPlain(t) {
    let m;
    if ((m = /^(\d{2})(\d)X$/.exec(t))) return `${m[1]}${m[2]}0s`;
    if ((m = /^(\d{2})XX$/.exec(t))) return `${m[1]}00–${m[1]}99`;
    if ((m = /^(\d{4})(?:-XX){1,2}$/.exec(t))) return m[1];
    if ((m = /^(\d{4}-\d{2})-XX$/.exec(t))) return fmtPlain(m[1]);
    if (/^\d{4}$/.test(t)) return t;
    if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return monthFormat.format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)));
    if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) return fmtDay(Date.UTC(+m[1], +m[2] - 1, +m[3]));
    if ((m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(.*)$/.exec(t))) {
      const zone = m[3] === "" || /^z$/i.test(m[3]) ? " UTC" : ` (UTC${m[3]})`;
      return `${fmtPlain(m[1])}, ${m[2]}${zone}`;
    }
    return t;
  }

  function timeEl(text) {
    return h("time", { datetime: String(text).split("/")[0], title: String(text) }, fmtValid(text));
  }

  // Checks what the user typed as a time before asking the API: an impossible calendar date is
  // refused here with a plain message; other texts go to the API, whose `detail` is shown.
  function checkTime(text, example) {
    const t = text.trim();
    if (!t) return { error: `Enter a date, for example ${example}.` };
    const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
    if (m) {
      const [year, month, day] = [+m[1], +m[2], +m[3]];
      if (month < 1 || month > 12) return { error: `${m[0]} is not a date: there is no month ${m[2]}. Use YYYY-MM-DD.` };
      const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
      if (day < 1 || day > days) {
        return { error: `${m[0]} is not a date: ${MONTHS[month - 1]} ${year} has ${days} days.` };
      }
    } else if (/^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(t)) {
      return { error: `Write the date year first, as YYYY-MM-DD (for example ${example}).` };
    }
    return { value: t };
  }

  // ---------------------------------------------------------------- the API

  class ApiError extends Error {
    constructor(status, detail, body) {
      super(detail);
      this.status = status;
      this.body = body;
    }
    get field() {
      const errors = (this.body && this.body.errors) || [];
      return errors.length ? errors[0].field : null;
    }
  }

  async function api(path, params, signal) {
    const url = new URL(path, window.location.origin);
    for (const [name, value] of Object.entries(params || {})) {
      if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
    }
    const headers = { Accept: "application/json" };
    if (state.token) headers.Authorization = `Bearer ${state.token}`;
    let response;
    try {
      response = await fetch(url, { headers, signal, cache: "no-store" });
    } catch (e) {
      if (e.name === "AbortError") throw e;
      throw new ApiError(0, `The service could not be reached (${e.message}).`, null);
    }
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = null;
    }
    if (!response.ok) {
      const detail = body && typeof body.detail === "string" ? body.detail : `${response.status} ${response.statusText}`;
      throw new ApiError(response.status, detail, body);
    }
    return body;
  }

  // Every page of a paginated answer; the first page's other fields (as_of, position...) kept.
  async function apiAll(path, params, signal) {
    let cursor = null;
    let first = null;
    const items = [];
    for (let n = 0; n < MAX_PAGES; n += 1) {
      const page = await api(path, { ...params, limit: PAGE, cursor }, signal);
      first = first || page;
      items.push(...page.items);
      cursor = page.next_cursor;
      if (!cursor) break;
    }
    return { ...first, items };
  }

  const axes = () => ({ as_of: state.asOf, known_at: state.knownAt });
  const enc = encodeURIComponent;

  // ---------------------------------------------------------------- location (shareable)

  function readHash() {
    const params = new URLSearchParams(window.location.hash.slice(1));
    state.negotiationId = params.get("n") || null;
    state.asOf = params.get("as_of") || null;
    state.knownAt = params.get("known_at") || null;
  }

  function hashFor(id, asOf = state.asOf, knownAt = state.knownAt) {
    const params = new URLSearchParams();
    if (id) params.set("n", id);
    if (asOf) params.set("as_of", asOf);
    if (knownAt) params.set("known_at", knownAt);
    return `#${params.toString()}`;
  }

  function writeHash(push) {
    const hash = hashFor(state.negotiationId);
    if (hash === window.location.hash) return;
    if (push) window.history.pushState(null, "", hash);
    else window.history.replaceState(null, "", hash);
  }

  // ---------------------------------------------------------------- messages

  function showError(message) {
    const box = $("error");
    if (!message) {
      box.hidden = true;
      box.textContent = "";
      return;
    }
    replace(box, h("strong", {}, "Could not show this: "), message);
    box.hidden = false;
  }

  function fieldMessage(field, message) {
    const input = field === "as_of" ? $("as-of") : $("known-at");
    const out = field === "as_of" ? $("as-of-message") : $("known-at-message");
    out.textContent = message || "";
    out.classList.toggle("bad", Boolean(message));
    if (message) input.setAttribute("aria-invalid", "true");
    else input.removeAttribute("aria-invalid");
  }

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

  // ---------------------------------------------------------------- time controls

  function setRange(items) {
    let lo = Infinity;
    let hi = -Infinity;
    for (const e of items || []) {
      for (const p of [drawn(e), period(e.scheduled_for), period(e.due)]) {
        if (!p || Number.isNaN(p[0]) || Number.isNaN(p[1])) continue;
        lo = Math.min(lo, p[0]);
        hi = Math.max(hi, p[1]);
      }
    }
    if (!Number.isFinite(lo)) {
      const today = startOfDay(Date.now());
      lo = today - 30 * DAY;
      hi = today;
    }
    const span = Math.round((startOfDay(hi) - startOfDay(lo)) / DAY);
    const pad = Math.max(3, Math.round(span * 0.04));
    const t0 = startOfDay(lo) - pad * DAY;
    const days = span + 2 * pad;
    state.range = { t0, days };
    const slider = $("slider");
    slider.min = "0";
    slider.max = String(days);
  }

  function sliderDay(asOf) {
    if (!state.range) return 0;
    if (!asOf) return state.range.days;
    const p = period(asOf);
    if (!p) return state.range.days;
    const day = Math.floor((p[1] - state.range.t0) / DAY);
    return Math.max(0, Math.min(state.range.days, day));
  }

  function syncControls(options = {}) {
    const slider = $("slider");
    const day = sliderDay(state.asOf);
    slider.value = String(day);
    updateSliderLabel(day, !state.asOf);
    if (options.keepField !== "as_of") $("as-of").value = state.asOf || "";
    if (options.keepField !== "known_at") $("known-at").value = state.knownAt || "";
    describeShown();
  }

  function updateSliderLabel(day, latest) {
    const slider = $("slider");
    const output = $("slider-output");
    if (!state.range) {
      output.textContent = "—";
      return;
    }
    const ms = state.range.t0 + day * DAY;
    const text = latest ? `latest (${longDayFormat.format(new Date(ms))} and after)` : longDayFormat.format(new Date(ms));
    output.textContent = latest ? "latest" : longDayFormat.format(new Date(ms));
    slider.setAttribute("aria-valuetext", text);
  }

  function describeShown() {
    const { asOf, knownAt } = state.shown;
    let valid = "Showing the latest state";
    if (asOf) {
      valid = /^\d{4}-\d{2}-\d{2}$/.test(asOf)
        ? `Showing the state on ${longDayFormat.format(new Date(period(asOf)[0]))} (to the end of the day, UTC)`
        : `Showing the state as of ${fmtValid(asOf)}`;
    }
    const recorded = knownAt ? `as the log knew it at ${fmtValid(knownAt)}` : "as the log knows it now";
    $("showing").textContent = `${valid}, ${recorded}.`;
  }

  function setAsOf(value, push) {
    state.asOf = value;
    load({ push });
  }

  let sliderTimer = null;

  function bindControls() {
    const slider = $("slider");
    slider.addEventListener("input", () => {
      const day = Number(slider.value);
      updateSliderLabel(day, false);
      const date = isoDay(state.range.t0 + day * DAY);
      $("as-of").value = date;
      fieldMessage("as_of", null);
      clearTimeout(sliderTimer);
      sliderTimer = setTimeout(() => setAsOf(date, false), 200);
    });
    slider.addEventListener("change", () => {
      clearTimeout(sliderTimer);
      const date = isoDay(state.range.t0 + Number(slider.value) * DAY);
      if (date !== state.asOf) setAsOf(date, false);
    });
    slider.addEventListener("keydown", (event) => {
      if (event.key !== "PageUp" && event.key !== "PageDown") return;
      event.preventDefault();
      const step = event.key === "PageUp" ? 7 : -7;
      slider.value = String(Math.max(0, Math.min(state.range.days, Number(slider.value) + step)));
      slider.dispatchEvent(new Event("input"));
    });

    $("as-of-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const checked = checkTime($("as-of").value, "2025-04-09");
      if (checked.error) {
        fieldMessage("as_of", checked.error);
        $("as-of").focus();
        return;
      }
      fieldMessage("as_of", null);
      setAsOf(checked.value, true);
    });
    $("as-of-latest").addEventListener("click", () => {
      fieldMessage("as_of", null);
      setAsOf(null, true);
    });

    $("known-at-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const text = $("known-at").value;
      if (!text.trim()) {
        fieldMessage("known_at", null);
        state.knownAt = null;
        load({ push: true });
        return;
      }
      const checked = checkTime(text, "2025-04-11T00:00:00Z");
      if (checked.error) {
        fieldMessage("known_at", checked.error);
        $("known-at").focus();
        return;
      }
      fieldMessage("known_at", null);
      state.knownAt = checked.value;
      load({ push: true });
    });
    $("known-at-latest").addEventListener("click", () => {
      fieldMessage("known_at", null);
      state.knownAt = null;
      load({ push: true });
    });

    $("auth-form").addEventListener("submit", (event) => {
      event.preventDefault();
      const token = $("token").value.trim();
      if (!token) return;
      state.token = token;
      sessionStorage.setItem(TOKEN_KEY, token);
      $("token").value = "";
      load();
    });
    $("forget-token").addEventListener("click", () => {
      sessionStorage.removeItem(TOKEN_KEY);
      state.token = null;
      state.full = null;
      load();
    });

    $("dialog-close").addEventListener("click", () => $("dialog").close());
    $("dialog").addEventListener("close", () => {
      if (state.returnFocus && state.returnFocus.isConnected) state.returnFocus.focus();
    });
    $("dialog").addEventListener("click", (event) => {
      if (event.target === $("dialog")) $("dialog").close();
    });

    window.addEventListener("hashchange", () => {
      readHash();
      load();
    });
    new ResizeObserver(() => {
      if (state.view) drawTimeline(state.view);
    }).observe($("timeline"));
  }

  function fillRecordedMoments(items) {
    const moments = new Map();
    for (const e of items) {
      const entry = moments.get(e.recorded_at) || { count: 0, by: new Set() };
      entry.count += 1;
      entry.by.add(e.recorded_by);
      moments.set(e.recorded_at, entry);
    }
    const options = [...moments.entries()].sort((a, b) => a[0].localeCompare(b[0])).map(([at, entry]) =>
      h("option", { value: at, label: `${entry.count} event${entry.count === 1 ? "" : "s"} recorded by ${[...entry.by].join(", ")}` }));
    replace($("recorded-moments"), options);
  }

  // ---------------------------------------------------------------- rendering

  const statusText = (status) => (status ? status.replaceAll("_", " ") : "unknown");
  const badge = (status, cls = "status") => h("span", { class: `${cls} ${cls}-${status || "none"}`, "data-status": status || "" }, statusText(status));
  const name = (id) => (id ? state.names[id] || id : "");
  const kindBadge = (type) => h("span", { class: `kind kind-${kindOf(type)}` }, type);

  function renderList(list) {
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

  function render(data) {
    const n = data.negotiation;
    state.names = Object.fromEntries((n.participants || []).map((p) => [p.id, p.name]));
    state.participants = n.participants || [];
    state.lookup = lookups(data);
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

  function lookups(data) {
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

  function pick(obj, ...fields) {
    return Object.fromEntries(fields.filter((f) => obj[f] !== undefined && obj[f] !== null).map((f) => [f, obj[f]]));
  }

  function roundName(id) {
    const r = (state.lookup && state.lookup.rounds[id]) || {};
    if (r.number && r.label) return `Round ${r.number} · ${r.label}`;
    if (r.number) return `Round ${r.number}`;
    return r.label || `Round ${id}`;
  }

  const disputeName = (id) => (state.lookup && state.lookup.disputes[id]) || id;

  function renderCards(section, items, card, empty, events) {
    const box = $(section);
    if (!items.length) {
      replace(box, h("p", { class: "muted" }, empty));
      return;
    }
    replace(box, items.map((item) => card(item, events)));
  }

  function card(kind, id, title, status, body, events) {
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

  function facts(pairs) {
    const rows = pairs.filter(([, value]) => value !== null && value !== undefined && value !== "" &&
      !(Array.isArray(value) && !value.length));
    if (!rows.length) return null;
    return h("dl", { class: "facts" }, rows.map(([term, value]) => [h("dt", {}, term), h("dd", {}, value)]));
  }

  function venueText(v) {
    if (!v) return null;
    return [v.name, v.city, v.country].filter(Boolean).join(", ");
  }

  function durationText(d) {
    if (!d) return null;
    const { min_hours: min, max_hours: max } = d;
    const hours = (x) => `${x} hour${x === 1 ? "" : "s"}`;
    if (min != null && max != null) return min === max ? hours(min) : `${min}–${hours(max)}`;
    if (min != null) return `at least ${hours(min)}`;
    if (max != null) return `up to ${hours(max)}`;
    return null;
  }

  function heldText(r) {
    if (!r.started_at && !r.concluded_at) return null;
    if (r.started_at && r.concluded_at && r.started_at !== r.concluded_at) {
      return [timeEl(r.started_at), " to ", timeEl(r.concluded_at)];
    }
    return timeEl(r.started_at || r.concluded_at);
  }

  function roundCard(r, events) {
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

  function disputeCard(d, events) {
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

  function isParty(pid) {
    const p = (state.participants || []).find((x) => x.id === pid);
    return p ? p.role === "party" : true;
  }

  function proposalCard(p, events) {
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

  function commitmentCard(c, events) {
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

  function statementCard(event) {
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

  // ---------------------------------------------------------------- events

  // An erased field (docs/api.md §10) reads as "[erased]" in the shape it had, so that what shows
  // an event needs no case of its own for it.
  const ERASED = "[erased]";
  const ERASED_SHAPES = { speaker: { name: ERASED }, head: { name: ERASED }, participant: { name: ERASED, role: "" },
    venue: { name: ERASED }, parties: [], members: [], participants: [] };

  function displayed(e) {
    if (!e.erased || !e.erased.length) return e;
    const shown = { ...e, sources: (e.sources || []).filter((src) => src !== null) };
    for (const field of e.erased) {
      if (field.includes("[") || shown[field] !== undefined) continue;
      shown[field] = field in ERASED_SHAPES ? ERASED_SHAPES[field] : ERASED;
    }
    return shown;
  }

  function describe(event) {
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

  const reliabilities = (e) => [...new Set((e.sources || []).map((src) => src && src.reliability).filter(Boolean))];

  function renderEvents(inEffect, known) {
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

  // A dialog with events in full: sources, who recorded them and when, and each one as stored
  // (GET /events/{event_id}) with the corrections and retraction that target it.
  function openEvents(title, events) {
    const dialog = $("dialog");
    $("dialog-title").textContent = title;
    replace($("dialog-body"), events.length
      ? events.map((e) => eventDetail(e))
      : h("p", { class: "muted" }, "No event at this point in time."));
    if (!dialog.open) {
      state.returnFocus = document.activeElement;
      dialog.showModal();
    }
    $("dialog-close").focus();
  }

  function eventDetail(e) {
    const stored = h("div", { class: "stored", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading the stored event…"));
    api(`/events/${enc(e.event_id)}`, {}).then((event) => replace(stored, storedDetail(event)))
      .catch((err) => replace(stored, h("p", { class: "bad" }, `Could not load the stored event: ${err.message}`)));
    const sources = (e.sources || []).map((src) => {
      if (src === null) return h("li", { class: "muted" }, "A source, erased");
      const url = src.url ? safeUrl(src.url) : null;
      return h("li", {},
        h("cite", {}, src.title || src.publisher || "Source"),
        src.publisher && src.title ? ` — ${src.publisher}` : "",
        src.published_at ? [", published ", timeEl(src.published_at)] : "",
        src.reliability ? [" ", h("span", { class: `reliability reliability-${src.reliability}` }, src.reliability)] : "",
        src.quote ? h("blockquote", {}, src.quote) : null,
        src.url ? h("p", { class: "source-url" }, url ? h("a", { href: url, rel: "noopener noreferrer", target: "_blank" }, src.url) : src.url) : null);
    });
    return h("article", { class: `event-detail${e.retracted ? " retracted" : ""}`, "data-event-id": e.event_id },
      h("h3", {}, kindBadge(e.type), " ", timeEl(e.occurred_at), e.retracted ? [" ", h("span", { class: "tag" }, "retracted")] : null),
      h("p", {}, e.retracted ? h("del", {}, describe(e)) : describe(e)),
      facts([
        ["Valid time", [e.occurred_at, e.occurred_from ? ` (${fmtInstant(e.occurred_from)} to ${fmtInstant(e.occurred_until)})` : ""]],
        ["Recorded", [fmtInstant(e.recorded_at), " by ", h("strong", { class: "recorded-by" }, e.recorded_by)]],
        ["Position", `${e.position} in the log, version ${e.version} of the negotiation`],
        ["Attributed to", e.attributed_to ? `${name(e.attributed_to)} — that party's claim, not an established fact` : null],
        ["Note", e.note],
      ]),
      h("h4", {}, "Sources"),
      sources.length ? h("ul", { class: "sources" }, sources) : h("p", { class: "muted" }, "No source given."),
      stored);
  }

  const HISTORY_WORDS = { "record.retracted": "Retracted", "record.corrected": "Corrected", "record.erased": "Erased" };

  function storedDetail(event) {
    const corrections = (event.corrections || []).map((c) => h("li", {},
      h("strong", {}, HISTORY_WORDS[c.type] || c.type),
      c.type === "record.erased" ? ` ${(c.fields || []).join(", ")}` : "",
      ` on ${fmtInstant(c.recorded_at)} by ${c.recorded_by}`, c.reason ? `: ${c.reason}` : "",
      c.changes ? h("pre", { class: "json" }, `changes ${JSON.stringify(c.changes, null, 2)}`) : null));
    return [
      erasedFields(event),
      corrections.length ? [h("h4", {}, "Corrections, retractions and erasures"), h("ul", { class: "corrections" }, corrections)]
        : h("p", { class: "muted" }, "Never corrected, retracted or erased."),
      onRecord(event),
      h("details", {}, h("summary", {}, "The event as stored (JSON, with its hash)"),
        h("pre", { class: "json" }, JSON.stringify(event, null, 2))),
    ];
  }

  // Each erased field, with when and why it was erased (the record.erased that names it).
  function erasedFields(event) {
    if (!event.erased || !event.erased.length) return null;
    const erasures = (event.corrections || []).filter((c) => c.type === "record.erased");
    return h("section", { class: "erased-fields", "aria-label": "Erased fields" },
      h("h4", {}, "Erased fields"),
      h("ul", {}, event.erased.map((field) => {
        const by = erasures.find((c) => (c.fields || []).includes(field));
        return h("li", { "data-field": field }, h("code", {}, field),
          by ? ` erased on ${fmtInstant(by.recorded_at)}${by.reason ? `: ${by.reason}` : ""}` : " erased");
      })));
  }

  // Where the event sits in the log's Merkle tree, and its receipt: the event, the disclosures
  // of its fields, its leaf and a signed inclusion proof, which anyone can check offline with
  // the log's public key (`negotiation-log receipt verify`).
  function onRecord(event) {
    if (event.log_index === undefined) return null;
    const status = h("p", { class: "receipt-status", role: "status" });
    const button = h("button", { type: "button", class: "secondary" }, "Download receipt");
    button.addEventListener("click", () => downloadReceipt(event, status));
    return h("section", { class: "on-record", "aria-label": "On record" },
      h("h4", {}, "On record"),
      h("p", {}, `Leaf ${event.log_index} of the log's Merkle tree; leaf hash `,
        h("code", { class: "leaf-hash", title: event.hash }, `${event.hash.slice(0, 16)}…`)),
      h("p", {}, button), status);
  }

  async function downloadReceipt(event, status) {
    status.textContent = "Asking the log for a signed receipt…";
    try {
      const receipt = await api(`/events/${enc(event.event_id)}/receipt`, {});
      const note = receipt.proof.split("\n\n")[1].split("\n");
      const name = `receipt-${event.event_id}.json`;
      const url = URL.createObjectURL(new Blob([JSON.stringify(receipt)], { type: "application/json" }));
      const link = h("a", { href: url, download: name, hidden: "" });
      document.body.append(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
      status.textContent = `Saved ${name}: included in the checkpoint of ${note[1]} events signed by ${note[0]}. ` +
        "Anyone can check it offline: negotiation-log receipt verify FILE --key KEY, with KEY from /log/key.";
    } catch (err) {
      status.textContent = `No receipt: ${err.message}`;
    }
  }

  // ---------------------------------------------------------------- the timeline drawing

  function drawTimeline(view) {
    const box = $("timeline");
    const width = Math.max(280, box.clientWidth);
    if (!state.range) return;
    const { t0, days } = state.range;
    const t1 = t0 + (days + 1) * DAY;
    const pad = 14;
    const x = (ms) => pad + ((ms - t0) / (t1 - t0)) * (width - 2 * pad);
    const clampX = (ms) => Math.max(pad, Math.min(width - pad, x(ms)));
    const asOfEnd = view.asOf && period(view.asOf) ? period(view.asOf)[1] : null;

    const byLane = new Map();
    for (const e of view.known) {
      const kind = kindOf(e.type);
      if (!byLane.has(kind)) byLane.set(kind, []);
      byLane.get(kind).push(e);
    }
    const lanes = KINDS.filter((k) => byLane.has(k.key) || k.key === "round");
    const laneHeight = 38;
    const top = 6;
    const axisHeight = 28;
    const height = top + lanes.length * laneHeight + axisHeight;

    const svg = s("svg", {
      width, height, viewBox: `0 0 ${width} ${height}`, class: "timeline-svg",
      role: "group", "aria-label": "Timeline of the events along valid time",
    });
    if (asOfEnd !== null && asOfEnd < t1) {
      // What lies after the chosen date is shaded, behind a line at its end.
      const cx = clampX(asOfEnd);
      svg.append(s("rect", { x: cx, y: 0, width: Math.max(0, width - pad - cx), height: height - axisHeight + 4, class: "after" }));
      if (asOfEnd >= t0) svg.append(s("line", { x1: cx, x2: cx, y1: 0, y2: height - axisHeight + 4, class: "as-of-line" }));
    }

    lanes.forEach((lane, i) => {
      const y0 = top + i * laneHeight;
      const cy = y0 + 25;
      svg.append(s("line", { x1: pad, x2: width - pad, y1: cy, y2: cy, class: "lane-line" }));
      svg.append(s("text", { x: pad, y: y0 + 10, class: "lane-label" }, lane.label));
      const events = byLane.get(lane.key) || [];
      if (lane.key === "round") drawRounds(svg, events, view, x, cy, t1);
      const marks = lane.key === "round"
        ? events.filter((e) => !["round.started", "round.concluded"].includes(e.type))
        : events;
      drawMarks(svg, marks, view, x, cy, lane);
    });

    drawAxis(svg, t0, t1, x, height - axisHeight + 2, width, pad);
    replace(box, svg);
    renderLegend(lanes);
  }

  function drawRounds(svg, events, view, x, cy, t1) {
    const ids = [...new Set(events.map((e) => e.round_id))];
    for (const id of ids) {
      const mine = events.filter((e) => e.round_id === id && !e.retracted);
      const started = mine.find((e) => e.type === "round.started");
      const concluded = mine.filter((e) => e.type === "round.concluded").pop();
      const scheduled = mine.filter((e) => e.type === "round.scheduled" && e.scheduled_for).pop();
      let from;
      let until;
      let planned = false;
      if (started) {
        from = drawn(started)[0];
        until = concluded ? drawn(concluded)[1] : t1 - 1;
      } else if (scheduled && period(scheduled.scheduled_for)) {
        [from, until] = period(scheduled.scheduled_for);
        planned = true;
      } else {
        continue;
      }
      const x0 = x(from);
      const w = Math.max(8, x(until) - x0);
      const heldAtAsOf = started && view.inEffect.has(started.event_id);
      // How the round ended up, in valid time, as far as the drawing's events go.
      const last = mine.filter((e) => ROUND_STATUS[e.type]).pop();
      const outcome = planned && last ? ROUND_STATUS[last.type] : null;
      const how = outcome === "cancelled" || outcome === "postponed" ? `planned, then ${outcome}` : planned ? "planned" : "held";
      const label = roundName(id);
      const all = view.known.filter((e) => e.round_id === id);
      const when = `${fmtDay(from)}${until - from > DAY ? ` to ${fmtDay(until)}` : ""}`;
      const g = s("g", {
        class: `span kind-round${planned || !heldAtAsOf ? " planned" : ""}${outcome === "cancelled" || outcome === "postponed" ? ` ${outcome}` : ""}`,
        tabindex: 0, role: "button", "data-round": id,
        "aria-label": `${label}: ${how}, ${when}. Show its ${all.length} events.`,
      }, s("title", {}, `${label}\n${how}: ${when}`),
      s("rect", { x: x0, y: cy - 7, width: w, height: 14, rx: 3 }),
      s("text", { x: x0 + w / 2, y: cy - 11, class: "span-label", "text-anchor": "middle" }, roundShort(id)));
      if (outcome === "cancelled") g.append(s("line", { x1: x0 - 3, x2: x0 + w + 3, y1: cy + 8, y2: cy - 8, class: "strike" }));
      activate(g, () => openEvents(`Events of ${label}`, all));
      svg.append(g);
    }
  }

  function roundShort(id) {
    const r = (state.lookup && state.lookup.rounds[id]) || {};
    return r.number ? `R${r.number}` : id;
  }

  function drawMarks(svg, events, view, x, cy, lane) {
    // One mark per day and lane (with a count when several), kept apart by whether the
    // events count at the chosen date and whether they were retracted.
    const groups = new Map();
    for (const e of events) {
      const [from, until] = drawn(e);
      const effective = view.inEffect.has(e.event_id);
      const key = `${startOfDay(from)}|${effective}|${Boolean(e.retracted)}`;
      if (!groups.has(key)) groups.set(key, { from, until, effective, retracted: Boolean(e.retracted), events: [] });
      const g = groups.get(key);
      g.until = Math.max(g.until, until);
      g.events.push(e);
    }
    for (const group of groups.values()) {
      // A mark sits in the middle of its first day; a longer valid time trails a whisker.
      const cx = x(startOfDay(group.from) + DAY / 2);
      const n = group.events.length;
      const r = n > 1 ? 8 : 6;
      const classes = ["mark", `kind-${lane.key}`, group.effective ? "" : "later", group.retracted ? "retracted" : ""].filter(Boolean).join(" ");
      const label = `${n} ${lane.label.toLowerCase()} event${n === 1 ? "" : "s"} on ${fmtDay(group.from)}` +
        `${group.retracted ? " (retracted)" : ""}${group.effective ? "" : " (after the chosen date)"}`;
      const g = s("g", { class: classes, tabindex: 0, role: "button", "aria-label": `${label}. Show details.` },
        s("title", {}, `${label}\n${group.events.map((e) => `${e.type}${e.retracted ? " (retracted)" : ""}`).join("\n")}`));
      if (group.until - group.from > DAY) {
        g.append(s("line", { x1: cx, x2: x(group.until), y1: cy, y2: cy, class: "whisker" }));
      }
      g.append(s("circle", { cx, cy, r }));
      if (n > 1) g.append(s("text", { x: cx, y: cy + 3.5, class: "count", "text-anchor": "middle" }, String(n)));
      if (group.retracted) g.append(s("line", { x1: cx - r - 3, x2: cx + r + 3, y1: cy + r + 1, y2: cy - r - 1, class: "strike" }));
      activate(g, () => openEvents(label, group.events));
      svg.append(g);
    }
  }

  function activate(el, action) {
    el.addEventListener("click", action);
    el.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        action();
      }
    });
  }

  function drawAxis(svg, t0, t1, x, y, width, pad) {
    svg.append(s("line", { x1: pad, x2: width - pad, y1: y, y2: y, class: "axis" }));
    const spanDays = (t1 - t0) / DAY;
    const ticks = [];
    const start = new Date(t0);
    if (spanDays <= 45) {
      for (let t = startOfDay(t0); t < t1; t += 7 * DAY) ticks.push([t, fmtDay(t).replace(/ \d{4}$/, "")]);
    } else if (spanDays <= 3 * 366) {
      for (let d = new Date(Date.UTC(start.getUTCFullYear(), start.getUTCMonth() + 1, 1)); d.getTime() < t1; d.setUTCMonth(d.getUTCMonth() + 1)) {
        ticks.push([d.getTime(), d.getUTCMonth() === 0 || ticks.length === 0 ? monthFormat.format(d) : monthFormat.format(d).split(" ")[0]]);
      }
    } else {
      for (let yr = start.getUTCFullYear() + 1; Date.UTC(yr, 0, 1) < t1; yr += 1) ticks.push([Date.UTC(yr, 0, 1), String(yr)]);
    }
    const minGap = 46;
    let last = -Infinity;
    for (const [t, label] of ticks) {
      const tx = x(t);
      svg.append(s("line", { x1: tx, x2: tx, y1: y, y2: y + 5, class: "axis" }));
      if (tx - last >= minGap && tx < width - 20) {
        svg.append(s("text", { x: tx + 3, y: y + 17, class: "tick" }, label));
        last = tx;
      }
    }
  }

  function renderLegend(lanes) {
    replace($("legend"), lanes.map((lane) => h("li", {}, h("span", { class: `swatch kind-${lane.key}`, "aria-hidden": "true" }), lane.label)),
      h("li", {}, h("span", { class: "swatch faded", "aria-hidden": "true" }), "after the chosen date"),
      h("li", {}, h("span", { class: "swatch struck", "aria-hidden": "true" }), "retracted"));
  }

  // ---------------------------------------------------------------- start

  document.addEventListener("DOMContentLoaded", () => {
    bindControls();
    readHash();
    updateSession();
    load();
  });
})();
