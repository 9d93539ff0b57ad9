// The two time axes' controls (slider, as-of and known-at), the token form, and messages.
import { $, h, replace } from "./dom.js";
import { DAY, checkTime, drawn, fmtValid, isoDay, longDayFormat, period, startOfDay } from "./time.js";
import { TOKEN_KEY, readHash, state } from "./state.js";
import { drawTimeline } from "./timeline.js";

// ---------------------------------------------------------------- messages

export function showError(message) {
  const box = $("error");
  if (!message) {
    box.hidden = true;
    box.textContent = "";
    return;
  }
  replace(box, h("strong", {}, "Could not show this: "), message);
  box.hidden = false;
}

export function fieldMessage(field, message) {
  const input = field === "as_of" ? $("as-of") : $("known-at");
  const out = field === "as_of" ? $("as-of-message") : $("known-at-message");
  out.textContent = message || "";
  out.classList.toggle("bad", Boolean(message));
  if (message) input.setAttribute("aria-invalid", "true");
  else input.removeAttribute("aria-invalid");
}

// ---------------------------------------------------------------- time controls

export function setRange(items) {
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

export function sliderDay(asOf) {
  if (!state.range) return 0;
  if (!asOf) return state.range.days;
  const p = period(asOf);
  if (!p) return state.range.days;
  const day = Math.floor((p[1] - state.range.t0) / DAY);
  return Math.max(0, Math.min(state.range.days, day));
}

export function syncControls(options = {}) {
  const slider = $("slider");
  const day = sliderDay(state.asOf);
  slider.value = String(day);
  updateSliderLabel(day, !state.asOf);
  if (options.keepField !== "as_of") $("as-of").value = state.asOf || "";
  if (options.keepField !== "known_at") $("known-at").value = state.knownAt || "";
  describeShown();
}

export function updateSliderLabel(day, latest) {
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

export function describeShown() {
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

export function setAsOf(value, push) {
  state.asOf = value;
  load({ push });
}

let sliderTimer = null;
// The page's loader (app.js), given at start: every control here ends in a reload.
let load = () => {};

export function bindControls(reload) {
  load = reload;
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

export function fillRecordedMoments(items) {
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
