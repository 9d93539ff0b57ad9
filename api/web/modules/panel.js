// The event panel: events in full, each as stored with its corrections, and its receipt.
import { $, h, replace, safeUrl } from "./dom.js";
import { fmtInstant, timeEl } from "./time.js";
import { state } from "./state.js";
import { api, enc } from "./api.js";
import { describe, kindBadge, name } from "./words.js";
import { facts } from "./cards.js";
import { amendControls } from "./amend.js";

// A dialog with events in full: sources, who recorded them and when, and each one as stored
// (GET /events/{event_id}) with the corrections and retraction that target it.
export function openEvents(title, events) {
  openPanel(title, events.length
    ? events.map((e) => eventDetail(e))
    : h("p", { class: "muted" }, "No event at this point in time."));
  $("dialog-close").focus();
}

// The page's one dialog, with `content`; focus returns where it was when it closes.
export function openPanel(title, content) {
  const dialog = $("dialog");
  $("dialog-title").textContent = title;
  replace($("dialog-body"), content);
  if (!dialog.open) {
    state.returnFocus = document.activeElement;
    dialog.showModal();
  }
}

export function eventDetail(e) {
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
    stored, amendControls(e));
}

export const HISTORY_WORDS = { "record.retracted": "Retracted", "record.corrected": "Corrected", "record.erased": "Erased" };

export function storedDetail(event) {
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
export function erasedFields(event) {
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
export function onRecord(event) {
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

export async function downloadReceipt(event, status) {
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
