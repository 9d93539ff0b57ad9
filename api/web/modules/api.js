// The HTTP API client: reads (every page of a paginated answer), problem+json as ApiError.
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
}

export async function api(path, params, signal) {
  const url = new URL(path, window.location.origin);
  for (const [name, value] of Object.entries(params || {})) {
    if (value !== null && value !== undefined && value !== "") url.searchParams.set(name, value);
  }
  const headers = { Accept: "application/json" };
  if (state.token) headers.Authorization = `Bearer ${state.token}`;
  let response;
  try {
    response = await fetch(url, { headers, signal, cache: "no-store" });
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
