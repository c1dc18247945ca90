// Page-wide banners: market closed, live updates lost. Views add their own (halts, stale
// quotes) with setViewBanner, so a banner disappears with the view that raised it.
import { h, replace } from "./dom.js";
import { session } from "../session.js";
import { stream } from "../stream.js";
import * as F from "../format.js";

const viewBanners = new Map(); // key -> {text, kind}

export function setViewBanner(key, text, kind = "warn") {
  if (text) viewBanners.set(key, { text, kind });
  else viewBanners.delete(key);
  renderBanners();
}

const PHASES = {
  closed: "The market is closed",
  pre_market: "Pre-market session: only extended-hours limit orders trade",
  post_market: "After-hours session: only extended-hours limit orders trade",
};

function marketBanner() {
  const m = session.market;
  if (!m) return null;
  const phase = m.phase || (m.is_open ? "regular" : "closed");
  if (phase === "regular") return null;
  const next = m.next_open ? ` Regular trading opens ${F.time(m.next_open)}.` : "";
  return { text: `${PHASES[phase] || `Market phase: ${F.label(phase)}`}.${next}`, kind: "info" };
}

// A market-wide circuit breaker halts every symbol: say so on every page.
function breakerBanner() {
  const breaker = session.market && session.market.circuit_breaker;
  if (!breaker || !breaker.halted) return null;
  const until = breaker.resume_at ? ` until ${F.time(breaker.resume_at)}` : "";
  return { text: `Market-wide circuit breaker: trading is halted${until}.`, kind: "bad" };
}

export function renderBanners() {
  const items = [];
  const breaker = breakerBanner();
  if (breaker && session.signedIn) items.push(breaker);
  const market = marketBanner();
  if (market && session.signedIn) items.push(market);
  if (session.signedIn && stream.attempt > 0 && !stream.connected && !stream.stopped) {
    items.push({ text: "Live updates are reconnecting; prices refresh every few seconds meanwhile.",
                 kind: "warn" });
  }
  items.push(...viewBanners.values());
  replace(document.getElementById("banners"),
    items.map((b) => h("div", { class: `banner ${b.kind}`, role: b.kind === "bad" ? "alert" : null },
                       b.text)));
}
