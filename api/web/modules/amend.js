// Correcting or retracting an event from its panel (recorder and admin tokens only): the
// correction form is the event's own form pre-filled with its fields, and the change is shown as
// a diff before it is sent; a retraction needs a reason.
import { h, replace } from "./dom.js";
import { state } from "./state.js";
import { eventSchemas } from "./schemas.js";
import { eventFields } from "./fields.js";
import { refused, submission } from "./submit.js";
import { contextAt, mayRecord, reloadPage } from "./record.js";

const FIXED = new Set(["record.corrected", "record.retracted", "record.erased", "negotiation.opened"]);

export function amendControls(e) {
  if (!mayRecord() || e.retracted || FIXED.has(e.type) || !e.event_id) return null;
  const body = h("div", { class: "amend-body" });
  const correct = h("button", { type: "button", class: "secondary" }, "Correct this event");
  const retract = h("button", { type: "button", class: "secondary" }, "Retract this event");
  correct.addEventListener("click", () => correction(e, body));
  retract.addEventListener("click", () => retraction(e, body));
  return h("section", { class: "amend", "aria-label": `Correct or retract this ${e.type} event` },
    h("p", { class: "actions" }, correct, " ", retract), body);
}

// The fields the client sent (those of its schema), as the timeline shows them now.
function sentFields(e, schema) {
  const erased = new Set(e.erased || []);
  return Object.fromEntries(Object.keys(schema.properties).filter((k) => k !== "type" && e[k] !== undefined &&
    e[k] !== null && !erased.has(k)).map((k) => [k, e[k]]));
}

// Equal as the API would store them: keys with no value left out, at any depth.
function clean(v) {
  if (Array.isArray(v)) return v.map(clean);
  if (v && typeof v === "object") {
    return Object.fromEntries(Object.keys(v).sort().filter((k) => v[k] !== null && v[k] !== undefined).map((k) => [k, clean(v[k])]));
  }
  return v ?? null;
}
const same = (a, b) => JSON.stringify(clean(a)) === JSON.stringify(clean(b));
const shown = (v) => (v === undefined || v === null ? "—" : typeof v === "string" ? v : JSON.stringify(v));

async function correction(e, box) {
  const schema = (await eventSchemas())[e.type];
  const before = sentFields(e, schema);
  const context = await contextAt(e.occurred_at).catch(() => ({ participants: state.participants || [], entities: {} }));
  const fields = eventFields(e.type, schema, context, before);
  const reasonId = `reason-${e.event_id}`;
  const reason = h("textarea", { id: reasonId, rows: 2, required: true, "aria-required": "true", "aria-describedby": `${reasonId}-message` });
  const reasonMessage = h("p", { id: `${reasonId}-message`, class: "field-message", "aria-live": "polite" });
  const message = h("div", { role: "status", "aria-live": "polite", class: "amend-message" });
  const preview = h("div", { class: "diff-box" });
  const form = h("form", { novalidate: true, "aria-label": "Correct this event" },
    h("h3", {}, "Correct this event"),
    h("p", { class: "hint" }, "Change what was recorded wrongly; the event stays on record, with this correction."),
    fields.element,
    h("div", { class: "field" }, h("label", { for: reasonId }, "Reason for the correction", h("span", { class: "required" }, " (required)")),
      reason, reasonMessage),
    h("p", { class: "actions" }, h("button", { type: "submit", "data-sends": true }, "Show the change")),
    preview, message);
  replace(box, form);
  form.querySelector("input, select, textarea").focus();
  followDate(form, fields);
  const send = submission();

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    replace(message);
    fields.clear();
    const after = fields.collect();
    delete after.type;
    const changes = {};
    for (const key of new Set([...Object.keys(before), ...Object.keys(after)])) {
      if (!same(before[key], after[key])) changes[key] = after[key] ?? null;
    }
    const missing = fields.missing();
    if (!reason.value.trim()) missing.push({ field: "reason", message: "required" });
    markReason(reason, reasonMessage, missing.some((m) => m.field === "reason") ? "required: say why the record was wrong" : null);
    if (missing.length) {
      fields.showErrors(missing.filter((m) => m.field !== "reason"));
      replace(preview);
      replace(message, h("p", { class: "bad" }, `Not sent: fill in ${missing.map((m) => m.field).join(", ")}.`));
      return;
    }
    if (!Object.keys(changes).length) {
      replace(preview);
      replace(message, h("p", { class: "bad" }, "Nothing is changed: edit a field first."));
      return;
    }
    const confirm = h("button", { type: "button", "data-sends": true }, "Send the correction");
    const edit = h("button", { type: "button", class: "secondary" }, "Edit again");
    replace(preview, h("table", { class: "diff" },
      h("caption", {}, "The change that will be sent"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Recorded"), h("th", { scope: "col" }, "Corrected to"))),
      h("tbody", {}, Object.entries(changes).map(([key, value]) => h("tr", { "data-field": key },
        h("th", { scope: "row" }, key), h("td", {}, h("del", {}, shown(before[key]))), h("td", {}, h("ins", {}, shown(value))))))),
    h("p", { class: "actions" }, confirm, " ", edit));
    confirm.focus();
    edit.addEventListener("click", () => {
      replace(preview);
      form.querySelector("input, select, textarea").focus();
    });
    const attempt = async () => {
      replace(message, h("p", {}, "Sending the correction…"));
      const body = { type: "record.corrected", occurred_at: e.occurred_at, target_event_id: e.event_id, changes, reason: reason.value.trim() };
      try {
        const stored = await send(body);
        finished(box, stored, "Corrected");
      } catch (err) {
        await refused(err, message, { fields: inChanges(fields), reapply: attempt });
      }
    };
    confirm.addEventListener("click", attempt);
  });
}

// The pickers follow a corrected valid time, as in the recording form.
function followDate(form, fields) {
  const when = form.querySelector(".field-occurred_at input");
  let timer = null;
  let asked = 0;
  if (!when) return;
  when.addEventListener("input", () => {
    clearTimeout(timer);
    const mine = (asked += 1);
    timer = setTimeout(async () => {
      const context = await contextAt(when.value.trim()).catch(() => null);
      if (context && mine === asked) fields.refresh(context);
    }, 250);
  });
}

// A correction's problems name `changes.<field>`: shown beside the field itself.
function inChanges(fields) {
  return { showErrors: (errors) => fields.showErrors(errors.map((err) => ({ ...err, field: String(err.field).replace(/^changes\./, "") }))) };
}

function markReason(reason, message, text) {
  message.textContent = text || "";
  message.classList.toggle("bad", Boolean(text));
  if (text) reason.setAttribute("aria-invalid", "true");
  else reason.removeAttribute("aria-invalid");
}

function retraction(e, box) {
  const reasonId = `retract-${e.event_id}`;
  const reason = h("textarea", { id: reasonId, rows: 2, required: true, "aria-required": "true", "aria-describedby": `${reasonId}-message` });
  const reasonMessage = h("p", { id: `${reasonId}-message`, class: "field-message", "aria-live": "polite" });
  const message = h("div", { role: "status", "aria-live": "polite", class: "amend-message" });
  const form = h("form", { novalidate: true, "aria-label": "Retract this event" },
    h("h3", {}, "Retract this event"),
    h("p", { class: "hint" }, "A retracted event is treated as never having happened; it stays on record, struck through."),
    h("div", { class: "field" }, h("label", { for: reasonId }, "Reason for the retraction", h("span", { class: "required" }, " (required)")),
      reason, reasonMessage),
    h("p", { class: "actions" }, h("button", { type: "submit", "data-sends": true }, "Retract it")), message);
  replace(box, form);
  reason.focus();
  const send = submission();
  const attempt = async () => {
    if (!reason.value.trim()) {
      markReason(reason, reasonMessage, "required: say why the event is retracted");
      reason.focus();
      replace(message, h("p", { class: "bad" }, "Not sent: a retraction needs a reason."));
      return;
    }
    markReason(reason, reasonMessage, null);
    replace(message, h("p", {}, "Sending the retraction…"));
    try {
      const stored = await send({ type: "record.retracted", occurred_at: e.occurred_at, target_event_id: e.event_id, reason: reason.value.trim() });
      finished(box, stored, "Retracted");
    } catch (err) {
      await refused(err, message, {
        fields: { showErrors: (errors) => errors.filter((x) => x.field !== "reason" || (markReason(reason, reasonMessage, x.message), false)) },
        reapply: attempt,
      });
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt();
  });
}

function finished(box, stored, word) {
  state.mine.add(stored.event_id);
  const note = h("p", { class: "good", role: "status", tabindex: "-1" }, h("strong", {}, `${word}: `),
    `recorded as version ${stored.version} by ${stored.recorded_by}. The page behind this panel shows it now.`);
  replace(box, note);
  note.focus();
  reloadPage();
}
