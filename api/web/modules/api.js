// The HTTP API client: reads (every page of a paginated answer), writes with If-Match and
// Idempotency-Key, and problem+json answers as ApiError.
import { state } from "./state.js";

export const PAGE = 1000;
export const MAX_PAGES = 50;

// ---------------------------------------------------------------- the API

export class ApiError extends Error {
  constructor(status, detail, body) {
    super(detail);
    this.status = status;
    this.body = body;
  }
  get field() {
    const errors = (this.body && this.body.errors) || [];
    return errors.length ? errors[0].field : null;
  }

  get rule() {
    return this.body && this.body.rule;
  }
}

export async function api(path, params, signal) {
  return request("GET", path, params, null, {}, signal);
}

// One write: `version` goes out as If-Match, `key` as Idempotency-Key. The caller makes the key
// once per submission and sends it again on a retry, so a retry stores nothing new.
export async function write(path, body, { version, key } = {}) {
  const headers = { "Content-Type": "application/json" };
  if (version !== null && version !== undefined) headers["If-Match"] = `"${version}"`;
  if (key) headers["Idempotency-Key"] = key;
  return request("POST", path, {}, JSON.stringify(body), headers);
}

// A fresh Idempotency-Key: visible ASCII, as the API asks (crypto.randomUUID needs a secure
// context, which http://127.0.0.1 is but a LAN address is not).
export function newKey() {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return `web-${[...bytes].map((b) => b.toString(16).padStart(2, "0")).join("")}`;
}

export function authHeaders() {
  return state.token ? { Authorization: `Bearer ${state.token}` } : {};
}

async function request(method, path, params, payload, extra, signal) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json", ...authHeaders(), ...extra };
  let response;
  try {
    response = await fetch(url, { method, headers, body: payload, signal, cache: "no-store" });
  } catch (e) {
    if (e.name === "AbortError") throw e;
    throw new ApiError(0, `The service could not be reached (${e.message}).`, null);
  }
  const text = await response.text();
  let body = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    body = null;
  }
  if (!response.ok) {
    const detail = body && typeof body.detail === "string" ? body.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail, body);
  }
  return body;
}

// Every page of a paginated answer; the first page's other fields (as_of, position...) kept.
export async function apiAll(path, params, signal) {
  let cursor = null;
  let first = null;
  const items = [];
  for (let n = 0; n < MAX_PAGES; n += 1) {
    const page = await api(path, { ...params, limit: PAGE, cursor }, signal);
    first = first || page;
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor) break;
  }
  return { ...first, items };
}

export const enc = encodeURIComponent;
