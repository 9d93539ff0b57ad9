// Valid-time texts: their spans, how a reader says them, and checks before asking the API.
import { h } from "./dom.js";

export const DAY = 86400000;

// ---------------------------------------------------------------- time

export const MONTHS = ["January", "February", "March", "April", "May", "June", "July", "August", "September",
  "October", "November", "December"];
export const dayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "short", year: "numeric", timeZone: "UTC" });
export const longDayFormat = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric", timeZone: "UTC" });
export const monthFormat = new Intl.DateTimeFormat("en-GB", { month: "short", year: "numeric", timeZone: "UTC" });
export const instantFormat = new Intl.DateTimeFormat("en-GB", {
  day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", second: "2-digit",
  hour12: false, timeZone: "UTC",
});

export const isoDay = (ms) => new Date(ms).toISOString().slice(0, 10);
export const startOfDay = (ms) => Math.floor(ms / DAY) * DAY;
export const fmtDay = (ms) => dayFormat.format(new Date(ms));
export const fmtInstant = (text) => {
  const ms = Date.parse(text);
  return Number.isNaN(ms) ? text : `${instantFormat.format(new Date(ms))} UTC`;
};

// The first and last instant (ms, UTC) of a valid-time text: YYYY, YYYY-MM, YYYY-MM-DD, a
// date-time (no offset means UTC) or START/END of those, EDTF qualifiers (2025-05~) and
// unspecified digits (2025-05-XX, 202X) included; null if it is none of them. An open end
// (2025-05-23/..) gives the known end's period: the page draws what is known.
export function period(text) {
  if (text === null || text === undefined) return null;
  const t = String(text).trim().replace(/[?~%]$/, "");
  const parts = t.split("/");
  if (parts.length === 2) {
    if (parts[1] === "..") return period(parts[0]);
    if (parts[0] === "..") return period(parts[1]);
    const a = period(parts[0]);
    const b = period(parts[1]);
    return a && b ? [a[0], b[1]] : null;
  }
  let m;
  if ((m = /^(\d{2})(\d|X)X$/.exec(t))) {
    const first = +`${m[1]}${m[2] === "X" ? "0" : m[2]}0`;
    return [Date.UTC(first, 0, 1), Date.UTC(first + (m[2] === "X" ? 100 : 10), 0, 1) - 1];
  }
  if ((m = /^(\d{4})(?:-XX){1,2}$/.exec(t))) return period(m[1]);
  if ((m = /^(\d{4}-\d{2})-XX$/.exec(t))) return period(m[1]);
  if ((m = /^(\d{4})$/.exec(t))) return [Date.UTC(+m[1], 0, 1), Date.UTC(+m[1] + 1, 0, 1) - 1];
  if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return [Date.UTC(+m[1], +m[2] - 1, 1), Date.UTC(+m[1], +m[2], 1) - 1];
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    const start = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    return [start, start + DAY - 1];
  }
  if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(t)) {
    const ms = Date.parse(/(Z|[+-]\d{2}:\d{2})$/i.test(t) ? t : `${t}Z`);
    if (!Number.isNaN(ms)) return [ms, ms];
  }
  return null;
}

// Where an event sits in the drawing: its period as known (an open end is not drawn out to
// the year 9999), or the server's bounds.
export function drawn(e) {
  return period(e.occurred_at) || [Date.parse(e.occurred_from), Date.parse(e.occurred_until)];
}

// A valid-time text as a reader would say it, EDTF qualifiers kept as projections/export/
// dates.py says them: 2025-05~ is "c. May 2025", 2025-05? is "May 2025?".
export function fmtValid(text) {
  if (!text) return "";
  const t = String(text);
  const parts = t.split("/");
  if (parts.length === 2) {
    if (parts[1] === "..") return `from ${fmtValid(parts[0])}`;
    if (parts[0] === "..") return `until ${fmtValid(parts[1])}`;
    return `${fmtValid(parts[0])} – ${fmtValid(parts[1])}`;
  }
  const q = /[?~%]$/.test(t) ? t.slice(-1) : "";
  const shown = fmtPlain(q ? t.slice(0, -1) : t);
  return `${q === "~" || q === "%" ? "c. " : ""}${shown}${q === "?" || q === "%" ? "?" : ""}`;
}

export function fmtPlain(t) {
  let m;
  if ((m = /^(\d{2})(\d)X$/.exec(t))) return `${m[1]}${m[2]}0s`;
  if ((m = /^(\d{2})XX$/.exec(t))) return `${m[1]}00–${m[1]}99`;
  if ((m = /^(\d{4})(?:-XX){1,2}$/.exec(t))) return m[1];
  if ((m = /^(\d{4}-\d{2})-XX$/.exec(t))) return fmtPlain(m[1]);
  if (/^\d{4}$/.test(t)) return t;
  if ((m = /^(\d{4})-(\d{2})$/.exec(t))) return monthFormat.format(new Date(Date.UTC(+m[1], +m[2] - 1, 1)));
  if ((m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) return fmtDay(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if ((m = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}(?::\d{2})?)(?:\.\d+)?(.*)$/.exec(t))) {
    const zone = m[3] === "" || /^z$/i.test(m[3]) ? " UTC" : ` (UTC${m[3]})`;
    return `${fmtPlain(m[1])}, ${m[2]}${zone}`;
  }
  return t;
}

export function timeEl(text) {
  return h("time", { datetime: String(text).split("/")[0], title: String(text) }, fmtValid(text));
}

// Checks what the user typed as a time before asking the API: an impossible calendar date is
// refused here with a plain message; other texts go to the API, whose `detail` is shown.
export function checkTime(text, example) {
  const t = text.trim();
  if (!t) return { error: `Enter a date, for example ${example}.` };
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(t);
  if (m) {
    const [year, month, day] = [+m[1], +m[2], +m[3]];
    if (month < 1 || month > 12) return { error: `${m[0]} is not a date: there is no month ${m[2]}. Use YYYY-MM-DD.` };
    const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
    if (day < 1 || day > days) {
      return { error: `${m[0]} is not a date: ${MONTHS[month - 1]} ${year} has ${days} days.` };
    }
  } else if (/^\d{1,2}[./-]\d{1,2}[./-]\d{2,4}$/.test(t)) {
    return { error: `Write the date year first, as YYYY-MM-DD (for example ${example}).` };
  }
  return { value: t };
}
