// Display formatting of the API's decimal strings (rounding is exact, see decimal.js).
import * as D from "./decimal.js";

function group(intPart) {
  return intPart.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function grouped(text, places) {
  const rounded = D.round(text, places);
  const neg = rounded.startsWith("-");
  const [i, f] = (neg ? rounded.slice(1) : rounded).split(".");
  return { neg, body: group(i) + (f ? `.${f}` : "") };
}

export function money(text, { signed = false } = {}) {
  if (!D.isDecimal(text)) return "—";
  const { neg, body } = grouped(text, 2);
  const zero = D.sign(text) === 0;
  return `${neg ? "−" : signed && !zero ? "+" : ""}$${body}`;
}

// Prices keep the precision the server sent (at least 2 places).
// Prices show their significant decimals, at least 2 and at most 6 ("430.7400" -> "430.74").
export function price(text) {
  if (!D.isDecimal(text)) return "—";
  const d = D.parse(D.trim(text));
  const { neg, body } = grouped(text, Math.max(2, Math.min(d.s, 6)));
  return (neg ? "−" : "") + body;
}

export function qty(text) {
  if (!D.isDecimal(text)) return "—";
  const t = D.trim(text);
  const [i, f] = t.replace("-", "").split(".");
  return (t.startsWith("-") ? "−" : "") + group(i) + (f ? `.${f}` : "");
}

export function pct(text, { signed = true } = {}) {
  if (!D.isDecimal(text)) return "—";
  const { neg, body } = grouped(text, 2);
  return `${neg ? "−" : signed && D.sign(text) > 0 ? "+" : ""}${body}%`;
}

// Change of `last` against `base` as (absolute, percent) strings, or null.
export function change(last, base) {
  if (!D.isDecimal(last) || !D.isDecimal(base) || D.sign(base) === 0) return null;
  const abs = D.sub(last, base);
  return { abs, pct: D.div(D.mul(abs, "100"), base, 4) };
}

export function signClass(text) {
  if (!D.isDecimal(text)) return "";
  const s = D.sign(text);
  return s > 0 ? "up" : s < 0 ? "down" : "";
}

export function time(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleString();
}

export function label(text) {
  return String(text ?? "").replaceAll("_", " ");
}
