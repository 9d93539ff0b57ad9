// The timeline drawing: valid time left to right, a lane per kind of event.
import { $, s, h, replace } from "./dom.js";
import { DAY, drawn, fmtDay, monthFormat, period, startOfDay } from "./time.js";
import { state } from "./state.js";
import { KINDS, ROUND_STATUS, kindOf, roundName } from "./words.js";
import { openEvents } from "./panel.js";

// ---------------------------------------------------------------- the timeline drawing

export function drawTimeline(view) {
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

export function drawRounds(svg, events, view, x, cy, t1) {
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

export function roundShort(id) {
  const r = (state.lookup && state.lookup.rounds[id]) || {};
  return r.number ? `R${r.number}` : id;
}

export function drawMarks(svg, events, view, x, cy, lane) {
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

export function activate(el, action) {
  el.addEventListener("click", action);
  el.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      action();
    }
  });
}

export function drawAxis(svg, t0, t1, x, y, width, pad) {
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

export function renderLegend(lanes) {
  replace($("legend"), lanes.map((lane) => h("li", {}, h("span", { class: `swatch kind-${lane.key}`, "aria-hidden": "true" }), lane.label)),
    h("li", {}, h("span", { class: "swatch faded", "aria-hidden": "true" }), "after the chosen date"),
    h("li", {}, h("span", { class: "swatch struck", "aria-hidden": "true" }), "retracted"));
}
