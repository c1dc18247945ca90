// Exact decimal arithmetic on the API's decimal strings, with BigInt: money, prices and
// quantities never pass through floats. Floats appear only for chart coordinates.

const RE = /^([+-])?(\d*)(?:\.(\d*))?$/;

export function parse(text) {
  const m = RE.exec(String(text ?? "").trim());
  if (!m || (m[2] === "" && !m[3])) return null;
  const frac = m[3] || "";
  const v = BigInt((m[2] || "0") + frac);
  return { v: m[1] === "-" ? -v : v, s: frac.length };
}

export function isDecimal(text) {
  return parse(text) !== null;
}

function need(text) {
  const d = typeof text === "object" && text !== null ? text : parse(text);
  if (d === null) throw new Error(`not a decimal: ${text}`);
  return d;
}

function align(a, b) {
  const s = Math.max(a.s, b.s);
  return [a.v * 10n ** BigInt(s - a.s), b.v * 10n ** BigInt(s - b.s), s];
}

function str(d) {
  const neg = d.v < 0n;
  let digits = (neg ? -d.v : d.v).toString().padStart(d.s + 1, "0");
  if (d.s > 0) digits = `${digits.slice(0, -d.s)}.${digits.slice(-d.s)}`;
  return (neg ? "-" : "") + digits;
}

export function add(a, b) {
  const [x, y, s] = align(need(a), need(b));
  return str({ v: x + y, s });
}

export function sub(a, b) {
  const [x, y, s] = align(need(a), need(b));
  return str({ v: x - y, s });
}

export function mul(a, b) {
  const x = need(a), y = need(b);
  return str({ v: x.v * y.v, s: x.s + y.s });
}

// a / b rounded half away from zero to `places` decimals.
export function div(a, b, places = 8) {
  const x = need(a), y = need(b);
  if (y.v === 0n) return null;
  const num = x.v * 10n ** BigInt(y.s + places + 1);
  const den = y.v * 10n ** BigInt(x.s);
  const q = num / den;
  return round(str({ v: q, s: places + 1 }), places);
}

export function cmp(a, b) {
  const [x, y] = align(need(a), need(b));
  return x < y ? -1 : x > y ? 1 : 0;
}

export function sign(a) {
  const d = need(a);
  return d.v < 0n ? -1 : d.v > 0n ? 1 : 0;
}

// Round half away from zero to `places` decimals, padding with zeros.
export function round(a, places) {
  const d = need(a);
  if (d.s <= places) return str({ v: d.v * 10n ** BigInt(places - d.s), s: places });
  const cut = 10n ** BigInt(d.s - places);
  const neg = d.v < 0n;
  const abs = neg ? -d.v : d.v;
  let q = abs / cut;
  if ((abs % cut) * 2n >= cut) q += 1n;
  return str({ v: neg ? -q : q, s: places });
}

// Drop trailing zeros of the fraction ("1.500" -> "1.5", "2.00" -> "2").
export function trim(a) {
  const text = str(need(a));
  return text.includes(".") ? text.replace(/\.?0+$/, "") : text;
}
