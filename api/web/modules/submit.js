// Sending what a form records: If-Match with the version the page shows, an Idempotency-Key made
// once per submission (a double click or a retry after a network error stores once), problem
// fields placed next to their fields, and a 409 on the version shown with what was recorded
// meanwhile and a way to re-apply. The page never says "recorded" unless the API answered 201.
import { h, replace } from "./dom.js";
import { ApiError, apiAll, api, enc, newKey, write } from "./api.js";
import { state } from "./state.js";
import { describe } from "./words.js";
import { fmtInstant } from "./time.js";

// One submission: `send(body)` posts it; a second call while the first is in flight waits for
// the same answer. A new key is made for a new body, or for a new version once the last answer
// was a definite one (a 409 re-applied); after a network error the retry keeps its key whatever
// the version, since the first attempt may have been stored. `opening`: POST /negotiations,
// which has no version to match.
export function submission({ opening = false } = {}) {
  let key = null;
  let sent = null;
  let sentVersion = null;
  let uncertain = false;
  let pending = null;
  return async function send(body) {
    if (pending) return pending;
    const text = JSON.stringify([state.negotiationId, body]);
    if (text !== sent || (state.version !== sentVersion && !uncertain)) {
      key = newKey();
      sent = text;
    }
    sentVersion = state.version;
    pending = opening ? write("/negotiations", body, { key })
      : write(`/negotiations/${enc(state.negotiationId)}/events`, body, { version: state.version, key });
    try {
      const stored = await pending;
      sent = null; // the next submission, even of the same text, is a new one
      uncertain = false;
      return stored;
    } catch (e) {
      uncertain = e instanceof ApiError && e.status === 0;
      throw e;
    } finally {
      pending = null;
    }
  };
}

// The second click of a double click on a button that sends (marked `data-sends`) is dropped
// before any handler sees it. The first click already sent; on a busy machine its answer can
// come back and empty the form before the second click arrives, which would then send the
// empty form ("Not sent: fill in ...") over the "Recorded" message, or act on what the first
// left. Single clicks and keys (detail 0) act as before.
export function dropRepeatClicks() {
  document.addEventListener("click", (event) => {
    if (event.detail > 1 && event.target instanceof Element && event.target.closest("button[data-sends]")) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);
}

// What the API refused, shown in `box` (and next to the fields `fields` can place); a 409 on the
// version offers `reapply`, called after the page's version is brought up to date.
export async function refused(error, box, { fields, reapply, batch } = {}) {
  if (!(error instanceof ApiError)) throw error;
  if (error.status === 0) {
    replace(box, h("p", { class: "bad" }, `${error.message} It may or may not have been stored: submit again to retry; `,
      "the retry carries the same Idempotency-Key, so it is stored once."));
    return;
  }
  if (error.status === 409 && error.rule === "if-match") {
    await conflict(error, box, reapply);
    return;
  }
  const errors = placeable(error);
  let unplaced = errors;
  if (fields && errors.length && !batch) unplaced = fields.showErrors(errors);
  const where = batch && /^event (\d+):/.exec(error.message);
  replace(box, h("p", { class: "bad" }, h("strong", {}, `Not recorded (HTTP ${error.status}): `),
    where ? `event ${Number(where[1]) + 1} of the batch: ` : "", error.message.replace(/^event \d+: /, "")),
  unplaced.length && unplaced !== errors ? h("ul", {}, unplaced.map((e) => h("li", {}, `${e.field}: ${e.message}`))) : null);
}

// The problem's field errors; a rule violation names its field at the start of `detail`
// ("proposed_by: participant 'zz' is not ...", "round 'r9' is not in the record ...").
function placeable(error) {
  const listed = (error.body && error.body.errors) || [];
  if (listed.length) return listed.filter((e) => e.field);
  const detail = error.message.replace(/^event \d+: /, "");
  let m = /^([a-z_]+(?:\.[a-z0-9_]+)*): (.*)$/.exec(detail);
  if (m) return [{ field: m[1], message: m[2] }];
  m = /^(round|dispute|proposal|commitment) '/.exec(detail);
  if (m) return [{ field: `${m[1]}_id`, message: detail }];
  return [];
}

async function conflict(error, box, reapply) {
  replace(box, h("p", {}, "Someone recorded in this negotiation meanwhile; looking up what…"));
  const since = state.position || 0;
  const [latest, meanwhile] = await Promise.all([
    api(`/negotiations/${enc(state.negotiationId)}`, {}),
    apiAll("/events", { negotiation_id: state.negotiationId, after: since }),
  ]);
  const items = meanwhile.items.filter((e) => e.version > state.version);
  const again = h("button", { type: "button", "data-sends": true }, `Re-apply mine on version ${latest.version}`);
  again.addEventListener("click", () => {
    state.version = latest.version;
    state.position = Math.max(state.position || 0, ...items.map((e) => e.position));
    reapply();
  });
  replace(box, h("div", { class: "conflict", role: "group", "aria-label": "Recorded meanwhile" },
    h("p", { class: "bad" }, h("strong", {}, "Not recorded: "), `${error.message}. `,
      `This page shows version ${state.version}; ${items.length} event${items.length === 1 ? " was" : "s were"} recorded meanwhile:`),
    h("ul", { class: "meanwhile" }, items.map((e) => h("li", { "data-event-id": e.event_id },
      h("strong", {}, e.type), ` — ${describe(e)} (version ${e.version}, recorded by ${e.recorded_by}, ${fmtInstant(e.recorded_at)})`))),
    h("p", {}, "Check that yours still holds, then ", again, " or change it first.")));
  again.focus();
}
