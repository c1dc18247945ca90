// Live quotes for a set of symbols: from the stream when it is up, else from GET /v1/quotes
// every few seconds (the same fields, so views need not care which).
import * as api from "./api.js";
import { stream } from "./stream.js";

const POLL_MS = 2000;

export function watchQuotes(symbols, onQuote) {
  const wanted = new Set(symbols);
  const unwatch = stream.watch(symbols.map((s) => `quotes|${s}`));
  const off = stream.on("quote", ({ symbol, data }) => {
    if (wanted.has(symbol)) onQuote(symbol, data);
  });
  let stopped = false;
  async function poll() {
    if (stopped) return;
    if (!stream.connected && !document.hidden && symbols.length) {
      try {
        const body = await api.get(`/v1/quotes?symbols=${symbols.map(encodeURIComponent).join(",")}`);
        if (!stopped) for (const [s, q] of Object.entries(body.quotes || {})) onQuote(s, q);
      } catch { /* the stale banner tells the user; try again next tick */ }
    }
    if (!stopped) timer = setTimeout(poll, POLL_MS);
  }
  let timer = setTimeout(poll, stream.connected ? POLL_MS : 0);
  // Cached state from the stream shows at once (a view opened after the snapshot arrived).
  for (const s of symbols) {
    const cached = stream.state.get(`quotes|${s}`);
    if (cached) onQuote(s, cached);
  }
  return () => {
    stopped = true;
    clearTimeout(timer);
    off();
    unwatch();
  };
}

// The price a quote shows: the last sale, else the mid of bid and ask, else nothing.
export function lastOf(q) {
  if (!q) return null;
  return q.last || q.mid || null;
}
