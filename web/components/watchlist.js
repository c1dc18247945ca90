// The watchlist: symbols kept in this browser, quotes live from the stream (or polled).
import * as api from "../api.js";
import * as F from "../format.js";
import { h, replace, errorText } from "./dom.js";
import { setPrice } from "./quote-cell.js";
import { setViewBanner } from "./banners.js";
import { watchQuotes, lastOf } from "../quotes.js";

const KEY = "brokerage.watchlist";
const DEFAULT = ["AAPL", "MSFT", "TSLA", "SPY"];

function load() {
  try {
    const list = JSON.parse(localStorage.getItem(KEY));
    return Array.isArray(list) ? list : DEFAULT;
  } catch {
    return DEFAULT;
  }
}

export function watchlist() {
  let symbols = load();
  let stop = () => {};
  const rows = new Map(); // symbol -> cells
  const stale = new Set();
  const body = h("tbody");
  const error = h("p", { class: "error", role: "alert" });
  const input = h("input", { id: "watch-add", placeholder: "Add symbol", list: "symbols",
                             autocapitalize: "characters", autocomplete: "off" });
  const el = h("section", { class: "panel", "aria-labelledby": "wl-h" },
    h("h2", { id: "wl-h" }, "Watchlist"),
    h("div", { class: "table-wrap" }, h("table", { id: "watchlist" },
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Symbol"), h("th", { scope: "col", class: "num" }, "Last"),
        h("th", { scope: "col", class: "num" }, "Change"), h("th", { scope: "col", class: "num hide-phone" }, "Bid"),
        h("th", { scope: "col", class: "num hide-phone" }, "Ask"), h("th", { scope: "col" }, h("span", { class: "sr-only" }, "Remove")))),
      body)),
    h("form", { class: "watch-add", onsubmit: (e) => { e.preventDefault(); add(); } },
      h("label", { for: "watch-add", class: "sr-only" }, "Add symbol to watchlist"), input,
      h("button", { type: "submit" }, "Add")),
    error);

  // Only symbols the server lists: one unknown symbol would fail the whole quotes request.
  async function add() {
    const s = input.value.trim().toUpperCase();
    error.textContent = "";
    if (!s || symbols.includes(s)) { input.value = ""; return; }
    try {
      await api.get(`/v1/assets/${encodeURIComponent(s)}`);
    } catch (err) {
      error.textContent = errorText(err);
      return;
    }
    input.value = "";
    symbols = [...symbols, s];
    save();
    start();
  }

  function save() {
    localStorage.setItem(KEY, JSON.stringify(symbols));
  }

  function row(symbol) {
    const cells = { last: h("td", { class: "num last" }, "—"), change: h("td", { class: "num" }, "—"),
                    bid: h("td", { class: "num hide-phone" }, "—"), ask: h("td", { class: "num hide-phone" }, "—") };
    const tr = h("tr", { dataset: { symbol } },
      h("td", {}, h("a", { href: `/symbol/${symbol}`, "data-link": true }, symbol)),
      cells.last, cells.change, cells.bid, cells.ask,
      h("td", {}, h("button", { class: "small", type: "button", "aria-label": `Remove ${symbol}`,
        onclick: () => { symbols = symbols.filter((s) => s !== symbol); save(); start(); } }, "×")));
    rows.set(symbol, cells);
    return tr;
  }

  function onQuote(symbol, q) {
    const cells = rows.get(symbol);
    if (!cells) return;
    const last = lastOf(q);
    if (last) setPrice(cells.last, last);
    const ch = F.change(last, q.previous_close);
    cells.change.textContent = ch ? F.pct(ch.pct) : "—";
    cells.change.className = `num ${ch ? F.signClass(ch.abs) : ""}`;
    cells.bid.textContent = F.price(q.bid);
    cells.ask.textContent = F.price(q.ask);
    if (q.stale) stale.add(symbol); else stale.delete(symbol);
    setViewBanner("stale-watchlist", stale.size
      ? `Quotes are stale for ${[...stale].join(", ")}: no update from the feed recently.` : null);
  }

  function start() {
    stop();
    rows.clear();
    replace(body, symbols.map(row));
    stop = watchQuotes(symbols, onQuote);
  }

  start();
  return { el, stop: () => { stop(); setViewBanner("stale-watchlist", null); } };
}
