// Pickers of what exists at the event's valid time: entities (rounds, disputes, proposals,
// commitments), participants, and a commitment's parties; refreshed when the valid time changes.
import { h } from "./dom.js";
import { keyText, labelFor, labelled, text } from "./fields.js";

export function entityNode(key, entity, schema, required, path, value, ctx, registry) {
  const known = () => (ctx.context.entities[entity] || []);
  if (ctx.creates && path.length === 1 && ctx.type.startsWith(`${entity}.`)) {
    // A key that may be new: free text, with the existing keys suggested.
    const listId = `${registry.uid}-${path.join("-")}-list`;
    const input = h("input", { type: "text", autocomplete: "off", spellcheck: "false", list: listId, value: value ?? "" });
    const list = h("datalist", { id: listId });
    const fill = () => list.replaceChildren(...known().map((e) => h("option", { value: e.id, label: e.label })));
    fill();
    registry.pickers.push(fill);
    const element = labelled(key, schema, required, path, registry, input);
    element.append(list, h("p", { class: "hint" }, `A new ${entity}'s key (lowercase letters, digits, - or _), or an existing one.`));
    return { element, get: () => text(input) };
  }
  const select = h("select", {});
  const fill = () => {
    const current = select.value || value || "";
    const options = known().map((e) => h("option", { value: e.id }, e.label && e.label !== e.id ? `${e.label} (${e.id})` : e.id));
    if (current && !known().some((e) => e.id === current)) {
      options.push(h("option", { value: current }, `${current} (not in the record at this time)`));
    }
    select.replaceChildren(h("option", { value: "" }, known().length ? (required ? "— choose —" : "— none —") : `— no ${entity} at this time —`), ...options);
    select.value = current;
  };
  fill();
  registry.pickers.push(fill);
  return { element: labelled(key, schema, required, path, registry, select), get: () => select.value || undefined };
}

export function participantNode(key, schema, required, path, value, ctx, registry) {
  const select = h("select", {});
  const claim = key === "attributed_to";
  const fill = () => {
    const current = select.value || value || "";
    const people = ctx.context.participants || [];
    const options = people.map((p) => h("option", { value: p.id }, claim ? `This is ${p.name}'s claim` : `${p.name} (${p.role})`));
    if (current && !people.some((p) => p.id === current)) options.push(h("option", { value: current }, `${current} (not a participant at this time)`));
    select.replaceChildren(h("option", { value: "" }, claim ? "An established fact, no party's claim" : required ? "— choose —" : "— none —"), ...options);
    select.value = current;
  };
  fill();
  registry.pickers.push(fill);
  return { element: labelled(key, schema, required, path, registry, select), get: () => select.value || undefined };
}

// A list of participant ids (a commitment's parties): a checkbox per participant.
export function partiesNode(key, required, path, value, ctx, registry) {
  const chosen = new Set(value || []);
  const box = h("div", { class: "choices" });
  const legendId = `${registry.uid}-${path.join("-")}-legend`;
  const message = h("p", { class: "field-message", "aria-live": "polite" });
  const fieldset = h("fieldset", { class: `field field-${key}`, "data-field": keyText(path), "aria-describedby": legendId },
    h("legend", { id: legendId }, labelFor(key), required ? h("span", { class: "required" }, " (required)") : null), box, message);
  const fill = () => {
    box.querySelectorAll("input:checked").forEach((i) => chosen.add(i.value));
    box.querySelectorAll("input:not(:checked)").forEach((i) => chosen.delete(i.value));
    box.replaceChildren(...(ctx.context.participants || []).map((p) => h("label", { class: "choice" },
      h("input", { type: "checkbox", value: p.id, checked: chosen.has(p.id) }), ` ${p.name}`)));
  };
  fill();
  registry.pickers.push(fill);
  registry.messages.set(keyText(path), {
    show(t) {
      message.textContent = t || "";
      message.classList.toggle("bad", Boolean(t));
      if (t) fieldset.setAttribute("aria-invalid", "true");
      else fieldset.removeAttribute("aria-invalid");
    },
  });
  return {
    element: fieldset,
    get: () => {
      const ids = [...box.querySelectorAll("input:checked")].map((i) => i.value);
      return ids.length ? ids : undefined;
    },
  };
}
