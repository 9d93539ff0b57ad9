// Following the live stream (GET /events/stream) for the negotiation shown: events recorded
// elsewhere are announced ("3 new events") and shown when the reader asks, never by a jump.
// The stream is read with fetch rather than EventSource, which cannot send the bearer token.
import { $ } from "./dom.js";
import { authHeaders, enc } from "./api.js";
import { state } from "./state.js";

const RETRY_MS = 3000;
const live = { key: null, controller: null, fresh: new Map() };

// Called after every load: (re)starts the stream when the negotiation or the token changed, and
// forgets what the page now shows.
export function followLive() {
  for (const [id, position] of live.fresh) if (position <= (state.position || 0)) live.fresh.delete(id);
  notice();
  const key = `${state.token || ""}|${state.negotiationId || ""}`;
  if (key === live.key || !state.negotiationId || state.position === null) return;
  if (live.controller) live.controller.abort();
  live.key = key;
  live.fresh.clear();
  notice();
  live.controller = new AbortController();
  run(live.controller.signal, state.negotiationId, state.position);
}

async function run(signal, negotiationId, after) {
  let last = after;
  while (!signal.aborted) {
    try {
      const response = await fetch(`/events/stream?after=${last}&negotiation_id=${enc(negotiationId)}`,
        { headers: { Accept: "text/event-stream", ...authHeaders() }, signal, cache: "no-store" });
      if (response.status === 401 || response.status === 403) return; // the page's reads say why
      if (response.ok) {
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = "";
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.search(/\r?\n\r?\n/)) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end).replace(/^\r?\n\r?\n/, "");
            const id = message(block, negotiationId);
            if (id !== null) last = id;
          }
        }
      }
    } catch (e) {
      if (signal.aborted) return;
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
}

// One server-sent message: its position, after noting the event if it is new to the page.
function message(block, negotiationId) {
  let id = null;
  let data = "";
  for (const line of block.split(/\r?\n/)) {
    if (line.startsWith("id:")) id = Number(line.slice(3).trim());
    else if (line.startsWith("data:")) data += line.slice(5).trim();
  }
  if (!data) return id;
  try {
    const event = JSON.parse(data);
    if (event.negotiation_id === negotiationId && negotiationId === state.negotiationId &&
        !state.mine.has(event.event_id) && event.position > (state.position || 0)) {
      live.fresh.set(event.event_id, event.position);
      notice();
    }
  } catch {
    // not an event: nothing to announce
  }
  return id;
}

function notice() {
  const box = $("live");
  const n = live.fresh.size;
  box.hidden = n === 0;
  $("live-text").textContent = n ? `${n} new event${n === 1 ? "" : "s"} recorded elsewhere since this page loaded.` : "";
}
