// Form controls built from an event type's JSON Schema: a labelled control per field, required
// ones marked, enums as choices, participants and entities as pickers of those that exist at
// the event's valid time, nested objects as fieldsets, lists (sources, members) as repeatable
// groups, times as fuzzy-date inputs that show the span they will be read as.
import { h } from "./dom.js";
import { fmtInstant, period } from "./time.js";
import { entityNode, participantNode, partiesNode } from "./pickers.js";

const ENVELOPE = ["type", "occurred_at", "attributed_to", "note", "sources"];
export const ENTITY_FIELDS = { round_id: "round", dispute_id: "dispute", proposal_id: "proposal", commitment_id: "commitment" };
const PARTICIPANT_FIELDS = new Set(["participant_id", "proposed_by", "requested_by", "cancelled_by", "raised_by",
  "excluded_by", "alleged_by", "by", "via", "attributed_to"]);
const TIME_FIELDS = new Set(["occurred_at", "scheduled_for", "due", "published_at"]);
const LONG_TEXT = new Set(["text", "summary", "description", "reason", "outcome", "quote", "note", "subject"]);
// Types that bring their entity into the record: its key may be new (a suggestion list, not a choice).
const CREATES = new Set(["round.proposed", "round.scheduled", "round.started", "dispute.raised", "proposal.tabled",
  "commitment.agreed"]);
const LABELS = {
  occurred_at: "When it happened (valid time)", round_id: "Round", dispute_id: "Dispute", proposal_id: "Proposal",
  commitment_id: "Commitment", participant_id: "Participant", attributed_to: "Whose claim is this?",
  note: "Note", sources: "Sources", scheduled_for: "Scheduled for", published_at: "Published", url: "Address (URL)",
  id: "Key", min_hours: "At least (hours)", max_hours: "At most (hours)", by: "Withdrawn by", via: "Via (mediator)",
};
const SINGULAR = { sources: "source", members: "member", participants: "participant" };

let counter = 0;

export const labelFor = (key, schema) => LABELS[key] || (schema && schema.title) || key.replaceAll("_", " ");
export const keyText = (path) => path.join(".");

// The form's fields for one event type: {element, collect(), showErrors(errors), clear(),
// refresh(context)}; `values` pre-fill it (a correction), `context` is
// {participants, entities: {round: [{id, label}], ...}} at the event's valid time.
export function eventFields(type, schema, context, values = {}) {
  const registry = { messages: new Map(), pickers: [], uid: `f${(counter += 1)}` };
  const ctx = { type, creates: CREATES.has(type), context };
  const props = schema.properties || {};
  const required = new Set(schema.required || []);
  const order = [...Object.keys(props).filter((k) => k === "occurred_at"),
    ...Object.keys(props).filter((k) => !ENVELOPE.includes(k)),
    ...["attributed_to", "note", "sources"].filter((k) => props[k])];
  const nodes = order.map((key) => [key, node(key, props[key], required.has(key), [key], values[key], ctx, registry)]);
  const element = h("div", { class: "event-fields" }, nodes.map(([, n]) => n.element));
  return {
    element,
    collect() {
      const body = { type };
      for (const [key, n] of nodes) {
        const value = n.get();
        if (value !== undefined) body[key] = value;
      }
      return body;
    },
    // Each error next to the field it names (or the nearest enclosing one); what names no field
    // here is returned for the form to show.
    showErrors(errors) {
      const unplaced = [];
      for (const error of errors) {
        let parts = String(error.field || "").split(".").filter(Boolean);
        while (parts.length && !registry.messages.has(keyText(parts))) parts = parts.slice(0, -1);
        const slot = parts.length ? registry.messages.get(keyText(parts)) : null;
        if (slot) slot.show(error.message);
        else unplaced.push(error);
      }
      const first = element.querySelector("[aria-invalid='true']");
      if (first) first.focus();
      return unplaced;
    },
    clear() {
      for (const slot of registry.messages.values()) slot.show(null);
    },
    refresh(newContext) {
      ctx.context = newContext;
      for (const picker of registry.pickers) picker(newContext);
    },
    // Required fields left empty, as {field, message}: refused here, before asking the API.
    missing() {
      return nodes.filter(([key, n]) => required.has(key) && n.get() === undefined)
        .map(([key]) => ({ field: key, message: "required" }));
    },
  };
}

function node(key, schema, required, path, value, ctx, registry) {
  schema = schema || {};
  if (schema.type === "object" && schema.properties) return objectNode(key, schema, required, path, value, ctx, registry);
  if (schema.type === "array" && schema.items && schema.items.type === "object") {
    return listNode(key, schema, required, path, value, ctx, registry);
  }
  if (schema.type === "array") return partiesNode(key, required, path, value, ctx, registry);
  return leaf(key, schema, required, path, value, ctx, registry);
}

// A label, the control, and the message slot an error of the API fills.
export function labelled(key, schema, required, path, registry, control, extra) {
  const id = `${registry.uid}-${path.join("-")}`;
  const messageId = `${id}-message`;
  const message = h("p", { id: messageId, class: "field-message", "aria-live": "polite" });
  control.id = id;
  control.setAttribute("aria-describedby", [messageId, extra && extra.id].filter(Boolean).join(" "));
  if (required) {
    control.setAttribute("aria-required", "true");
    control.required = true;
  }
  registry.messages.set(keyText(path), {
    show(text) {
      message.textContent = text ? `${text}` : "";
      message.classList.toggle("bad", Boolean(text));
      if (text) control.setAttribute("aria-invalid", "true");
      else control.removeAttribute("aria-invalid");
    },
  });
  const label = h("label", { for: id }, labelFor(key, schema), required ? h("span", { class: "required" }, " (required)") : null);
  return h("div", { class: `field field-${key}`, "data-field": keyText(path) }, label, control, extra || null, message);
}

function leaf(key, schema, required, path, value, ctx, registry) {
  const entity = ENTITY_FIELDS[key];
  if (entity) return entityNode(key, entity, schema, required, path, value, ctx, registry);
  if (PARTICIPANT_FIELDS.has(key) && schema.type === "string") {
    return participantNode(key, schema, required, path, value, ctx, registry);
  }
  if (schema.enum) {
    const select = h("select", {}, h("option", { value: "" }, required ? "— choose —" : "— none —"),
      schema.enum.map((v) => h("option", { value: v, selected: v === value }, v.replaceAll("_", " "))));
    return { element: labelled(key, schema, required, path, registry, select), get: () => select.value || undefined };
  }
  if (schema.type === "boolean") {
    const select = h("select", {}, h("option", { value: "" }, "— not said —"),
      h("option", { value: "true", selected: value === true }, "yes"),
      h("option", { value: "false", selected: value === false }, "no"));
    return { element: labelled(key, schema, required, path, registry, select), get: () => (select.value === "" ? undefined : select.value === "true") };
  }
  if (schema.type === "integer" || schema.type === "number") {
    const input = h("input", { type: "number", inputmode: "numeric", min: schema.minimum, max: schema.maximum,
      step: schema.type === "integer" ? 1 : "any", value: value ?? "" });
    return {
      element: labelled(key, schema, required, path, registry, input),
      get: () => (input.value.trim() === "" ? undefined : Number(input.value)),
    };
  }
  if (TIME_FIELDS.has(key)) return timeNode(key, schema, required, path, value, registry);
  const control = LONG_TEXT.has(key)
    ? h("textarea", { rows: key === "note" || key === "quote" ? 2 : 3 })
    : h("input", { type: key === "url" ? "url" : "text", autocomplete: "off" });
  control.value = value ?? "";
  return { element: labelled(key, schema, required, path, registry, control), get: () => text(control) };
}

export const text = (control) => (control.value.trim() === "" ? undefined : control.value.trim());

// A fuzzy date: what the log will read it as is shown before anything is sent.
function timeNode(key, schema, required, path, value, registry) {
  const input = h("input", { type: "text", autocomplete: "off", spellcheck: "false", placeholder: "2025-05~, 2025-04-10, 2025-05-23/2025-05-25" });
  input.value = value ?? "";
  const id = `${registry.uid}-${path.join("-")}-span`;
  const span = h("output", { id, class: "hint span", for: `${registry.uid}-${path.join("-")}` });
  const show = () => {
    const t = input.value.trim();
    if (!t) {
      span.textContent = "Any of YYYY, YYYY-MM, YYYY-MM-DD, a date-time with offset, START/END; ~ approximate, ? uncertain.";
      return;
    }
    const p = period(t);
    const at = (ms) => fmtInstant(new Date(ms).toISOString());
    const qualities = `${/[~%]$/.test(t) ? ", approximate" : ""}${/[?%]$/.test(t) ? ", uncertain" : ""}`;
    if (!p) span.textContent = "Not a date this page can read; the service will say what it accepts.";
    else if (/\/\.\.$/.test(t)) span.textContent = `Read as from ${at(p[0])}, with no known end${qualities}.`;
    else if (/^\.\.\//.test(t)) span.textContent = `Read as until ${at(p[1])}, with no known start${qualities}.`;
    else span.textContent = `Read as ${at(p[0])} to ${at(p[1])}${qualities}.`;
  };
  input.addEventListener("input", show);
  show();
  const element = labelled(key, schema, required, path, registry, input, span);
  return { element, get: () => text(input), input };
}

function objectNode(key, schema, required, path, value, ctx, registry) {
  const req = new Set(schema.required || []);
  const children = Object.entries(schema.properties).map(([k, s]) =>
    [k, node(k, s, req.has(k), [...path, k], value ? value[k] : undefined, ctx, registry)]);
  const message = h("p", { class: "field-message", "aria-live": "polite" });
  const fieldset = h("fieldset", { class: `group field-${key}`, "data-field": keyText(path) },
    h("legend", {}, labelFor(key, schema), required ? h("span", { class: "required" }, " (required)") : null),
    children.map(([, c]) => c.element), message);
  if (!registry.messages.has(keyText(path))) {
    registry.messages.set(keyText(path), { show(t) { message.textContent = t || ""; message.classList.toggle("bad", Boolean(t)); } });
  }
  return {
    element: fieldset,
    get: () => {
      const out = {};
      for (const [k, c] of children) {
        const v = c.get();
        if (v !== undefined) out[k] = v;
      }
      return Object.keys(out).length ? out : undefined;
    },
  };
}

// A repeatable group (sources, delegation members): add and remove entries.
function listNode(key, schema, required, path, value, ctx, registry) {
  const entries = [];
  const list = h("ol", { class: "entries" });
  const one = SINGULAR[key] || "entry";
  const message = h("p", { class: "field-message", "aria-live": "polite" });
  const renumber = () => entries.forEach((entry, i) => {
    entry.legend.textContent = `${one[0].toUpperCase()}${one.slice(1)} ${i + 1}`;
    entry.remove.setAttribute("aria-label", `Remove ${one} ${i + 1}`);
  });
  const add = (initial, focus) => {
    const index = entries.length;
    const inner = objectNode(key, { ...schema.items, title: "" }, false, [...path, String(index)], initial, ctx, registry);
    const legend = inner.element.querySelector("legend");
    const remove = h("button", { type: "button", class: "secondary" }, "Remove");
    const item = h("li", {}, inner.element);
    inner.element.append(remove);
    const entry = { inner, legend, remove, item };
    // The entries after it are made again one place up, so that an error of the API naming
    // `sources.1.url` lands beside the entry now shown second.
    remove.addEventListener("click", () => {
      const kept = entries.filter((x) => x !== entry).map((x) => x.inner.get());
      entries.length = 0;
      list.replaceChildren();
      for (const k of [...registry.messages.keys()]) if (k.startsWith(`${keyText(path)}.`)) registry.messages.delete(k);
      kept.forEach((v) => add(v, false));
      addButton.focus();
    });
    entries.push(entry);
    list.append(item);
    renumber();
    if (focus) inner.element.querySelector("input, select, textarea").focus();
  };
  const addButton = h("button", { type: "button", class: "secondary" }, `Add a ${one}`);
  addButton.addEventListener("click", () => add(undefined, true));
  for (const v of value || []) add(v || undefined, false);
  registry.messages.set(keyText(path), { show(t) { message.textContent = t || ""; message.classList.toggle("bad", Boolean(t)); } });
  const fieldset = h("fieldset", { class: `group list field-${key}`, "data-field": keyText(path) },
    h("legend", {}, labelFor(key, schema), required ? h("span", { class: "required" }, " (required)") : null),
    list, h("p", {}, addButton), message);
  return {
    element: fieldset,
    get: () => {
      const items = entries.map((e) => e.inner.get()).filter((v) => v !== undefined);
      return items.length ? items : undefined;
    },
  };
}
