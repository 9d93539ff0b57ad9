// Opening a negotiation (recorder and admin tokens): the negotiation.opened form, sent to
// POST /negotiations with an Idempotency-Key; the page then shows the new negotiation.
import { $, h, replace } from "./dom.js";
import { hashFor } from "./state.js";
import { eventSchemas } from "./schemas.js";
import { eventFields } from "./fields.js";
import { refused, submission } from "./submit.js";
import { mayRecord } from "./record.js";
import { openPanel } from "./panel.js";

export function initOpening() {
  $("open-negotiation").addEventListener("click", openForm);
}

export function showOpening() {
  $("open-negotiation").hidden = !mayRecord();
}

async function openForm() {
  let schema;
  try {
    schema = (await eventSchemas())["negotiation.opened"];
  } catch (e) {
    openPanel("Open a new negotiation", h("p", { class: "bad" }, `The event schemas could not be loaded: ${e.message}`));
    return;
  }
  // One party to start from; more with "Add a participant".
  const fields = eventFields("negotiation.opened", schema, { participants: [], entities: {} }, { participants: [{ role: "party" }] });
  const message = h("div", { role: "status", "aria-live": "polite", id: "open-message" });
  const form = h("form", { novalidate: true, "aria-label": "Open a new negotiation" },
    h("p", { class: "hint" }, "Each participant needs a key (lowercase letters, digits, - or _), a name and a role; at least one party."),
    fields.element,
    h("p", { class: "actions" }, h("button", { type: "submit", "data-sends": true }, "Open the negotiation")), message);
  openPanel("Open a new negotiation", h("div", { class: "amend" }, form));
  form.querySelector("input, select, textarea").focus();
  const send = submission({ opening: true });
  const attempt = async () => {
    fields.clear();
    const missing = fields.missing();
    if (missing.length) {
      fields.showErrors(missing);
      replace(message, h("p", { class: "bad" }, `Not sent: fill in ${missing.map((m) => m.field).join(", ")}.`));
      return;
    }
    replace(message, h("p", {}, "Opening…"));
    try {
      const opened = await send(fields.collect());
      $("dialog").close();
      window.location.hash = hashFor(opened.id, null, null);
    } catch (e) {
      await refused(e, message, { fields });
    }
  };
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    attempt();
  });
}
