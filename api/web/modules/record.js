// The recording panel (recorder and admin tokens only): choose an event type, fill in the form
// built from its schema, record it, or queue several and record them as one atomic batch.
import { $, h, replace } from "./dom.js";
import { apiAll, api, enc } from "./api.js";
import { state } from "./state.js";
import { period } from "./time.js";
import { describe } from "./words.js";
import { eventSchemas } from "./schemas.js";
import { eventFields } from "./fields.js";
import { refused, submission } from "./submit.js";

// Opened with POST /negotiations, corrected and retracted from the event panel, erased by admins.
const NOT_HERE = new Set(["negotiation.opened", "record.corrected", "record.retracted", "record.erased"]);
export const mayRecord = () => Boolean(state.me && (state.me.role === "recorder" || state.me.role === "admin"));

let reload = () => {};
const panel = { fields: null, queue: [], send: submission(), sendBatch: submission(), contextTimer: null };

export function initRecording(load) {
  reload = load;
}

// After a write elsewhere on the page (the event panel): what is shown is read again.
export function reloadPage() {
  state.full = null;
  return reload();
}

// Shown or hidden after every load; built once per negotiation, kept (with what was typed) across reloads.
export async function showRecording() {
  const section = $("record");
  if (!mayRecord() || !state.negotiationId) {
    section.hidden = true;
    return;
  }
  section.hidden = false;
  $("record-version").textContent = `Recording as ${state.me.name} (${state.me.role}) on version ${state.version} of this negotiation.`;
  if (section.dataset.negotiation === state.negotiationId) return;
  let schemas;
  try {
    schemas = await eventSchemas();
  } catch (e) {
    replace($("record-body"), h("p", { class: "bad" }, `The event schemas could not be loaded (the next load tries again): ${e.message}`));
    return;
  }
  section.dataset.negotiation = state.negotiationId;
  panel.queue = [];
  const types = Object.keys(schemas).filter((t) => !NOT_HERE.has(t)).sort();
  const select = h("select", { id: "record-type" }, types.map((t) => h("option", { value: t }, t)));
  const fieldsBox = h("div", { id: "record-fields" });
  const message = h("div", { id: "record-message", role: "status", "aria-live": "polite" });
  const form = h("form", { id: "record-form", novalidate: true, "aria-labelledby": "record-title" },
    h("div", { class: "field" }, h("label", { for: "record-type" }, "Event type"), select),
    fieldsBox,
    h("p", { class: "actions" },
      h("button", { type: "submit", id: "record-submit", "data-sends": true }, "Record this event"), " ",
      h("button", { type: "button", id: "record-queue", class: "secondary", "data-sends": true }, "Add to batch")),
    message);
  const batch = h("div", { id: "record-batch", hidden: true });
  replace($("record-body"), form, batch);

  const build = (type) => {
    panel.fields = eventFields(type, schemas[type], currentContext());
    replace(fieldsBox, panel.fields.element);
    const when = fieldsBox.querySelector(".field-occurred_at input");
    if (when) when.addEventListener("input", () => followValidTime(when.value));
  };
  select.addEventListener("change", () => {
    replace(message);
    build(select.value);
  });
  build(select.value);

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    recordOne(message);
  });
  $("record-queue").addEventListener("click", () => queueOne(message, batch));
}

// Participants and entities as the API answers at the event's valid time (end of its span).
function currentContext() {
  const lookup = state.lookup || { rounds: {}, disputes: {} };
  return {
    participants: (state.participants || []).filter((p) => p.present !== false),
    entities: {
      round: Object.entries(lookup.rounds).map(([id, r]) => ({ id, label: r.label || (r.number ? `Round ${r.number}` : id) })),
      dispute: Object.entries(lookup.disputes).map(([id, title]) => ({ id, label: title })),
      proposal: (state.entityIds && state.entityIds.proposal) || [],
      commitment: (state.entityIds && state.entityIds.commitment) || [],
    },
  };
}

export async function contextAt(occurredAt) {
  const p = period(occurredAt);
  if (!p) return currentContext();
  const asOf = new Date(p[1]).toISOString();
  const base = `/negotiations/${enc(state.negotiationId)}`;
  const [n, rounds, disputes, proposals, commitments] = await Promise.allSettled([
    api(base, { as_of: asOf }), apiAll(`${base}/rounds`, { as_of: asOf }), apiAll(`${base}/disputes`, { as_of: asOf }),
    apiAll(`${base}/proposals`, { as_of: asOf }), apiAll(`${base}/commitments`, { as_of: asOf })]);
  const items = (r) => (r.status === "fulfilled" ? r.value.items : []);
  return {
    participants: n.status === "fulfilled" ? n.value.participants.filter((x) => x.present !== false) : [],
    entities: {
      round: items(rounds).map((r) => ({ id: r.round_id, label: r.label || (r.number ? `Round ${r.number}` : r.round_id) })),
      dispute: items(disputes).map((d) => ({ id: d.dispute_id, label: d.title })),
      proposal: items(proposals).map((x) => ({ id: x.proposal_id, label: x.text ? x.text.slice(0, 60) : x.proposal_id })),
      commitment: items(commitments).map((x) => ({ id: x.commitment_id, label: x.text ? x.text.slice(0, 60) : x.commitment_id })),
    },
  };
}

function followValidTime(text) {
  clearTimeout(panel.contextTimer);
  const fields = panel.fields;
  const asked = (panel.asked = (panel.asked || 0) + 1);
  panel.contextTimer = setTimeout(async () => {
    const context = await contextAt(text.trim()).catch(() => null);
    // Only the answer for the date typed last: an earlier, slower one is dropped.
    if (context && fields === panel.fields && asked === panel.asked) fields.refresh(context);
  }, 250);
}

function checked(message) {
  panel.fields.clear();
  const missing = panel.fields.missing();
  if (missing.length) {
    panel.fields.showErrors(missing);
    replace(message, h("p", { class: "bad" }, `Not sent: fill in ${missing.map((m) => m.field).join(", ")}.`));
    return null;
  }
  return panel.fields.collect();
}

async function recordOne(message) {
  const body = checked(message);
  if (!body) return;
  const attempt = async () => {
    replace(message, h("p", {}, "Recording…"));
    try {
      const stored = await panel.send(body);
      done(message, [stored]);
    } catch (e) {
      await refused(e, message, { fields: panel.fields, reapply: attempt });
    }
  };
  await attempt();
}

function queueOne(message, batch) {
  const body = checked(message);
  if (!body) return;
  panel.queue.push(body);
  $("record-type").dispatchEvent(new Event("change"));
  replace(message, h("p", {}, `Added ${body.type} to the batch (${panel.queue.length} queued).`));
  drawBatch(batch);
  $("record-type").focus();
}

function drawBatch(batch) {
  batch.hidden = !panel.queue.length;
  const message = h("div", { role: "status", "aria-live": "polite", class: "batch-message" });
  const send = h("button", { type: "button", id: "record-batch-submit", "data-sends": true },
    `Record the ${panel.queue.length} queued event${panel.queue.length === 1 ? "" : "s"} as one batch`);
  const attempt = async () => {
    replace(message, h("p", {}, "Recording the batch…"));
    try {
      const stored = await panel.sendBatch(panel.queue);
      panel.queue = [];
      drawBatch(batch);
      done($("record-message"), stored);
    } catch (e) {
      await refused(e, message, { reapply: attempt, batch: true });
      // The event of the batch the API names ("event 1: ...", counted from 0) is marked in the list.
      const which = /^event (\d+): (.*)$/.exec(e.message || "");
      const item = which && batch.querySelectorAll(".queued > li")[Number(which[1])];
      if (item) item.append(h("p", { class: "field-message bad" }, which[2]));
    }
  };
  send.addEventListener("click", attempt);
  replace(batch, h("h3", {}, "Batch, stored all or nothing"),
    h("ol", { class: "queued" }, panel.queue.map((body, i) => {
      const remove = h("button", { type: "button", class: "secondary", "aria-label": `Remove event ${i + 1} (${body.type}) from the batch` }, "Remove");
      remove.addEventListener("click", () => {
        panel.queue.splice(i, 1);
        drawBatch(batch);
        (panel.queue.length ? $("record-batch-submit") : $("record-type")).focus();
      });
      return h("li", {}, h("code", {}, body.type), ` ${body.occurred_at || ""} `, remove);
    })),
    h("p", {}, send), message);
}

function done(message, stored) {
  for (const e of stored) state.mine.add(e.event_id);
  const last = stored[stored.length - 1];
  $("record-type").dispatchEvent(new Event("change")); // a fresh form for the next event
  replace(message, h("p", { class: "good" }, h("strong", {}, "Recorded: "),
    stored.length === 1 ? `${describe(last)} (version ${last.version}).` : `${stored.length} events, versions ${stored[0].version}–${last.version}.`));
  state.full = null;
  return reload();
}
