// The watchlist: the account's first watchlist on the server (GET /v1/watchlists makes a
// default one on first use), the same list an Alpaca bot reads at /v2/watchlists. Quotes are
// live from the stream (or polled).
import * as api from "../api.js";
import * as F from "../format.js";
import { h, replace, errorText } from "./dom.js";
import { setPrice } from "./quote-cell.js";
import { setViewBanner } from "./banners.js";
import { watchQuotes, lastOf } from "../quotes.js";

const SYMBOL = /^[A-Z0-9.-]{1,16}$/;
let listed = null; // Promise<Set<symbol>> of the server's assets, fetched once

// Ask the asset list first: a refused request would log a console error in the browser.
function isListed(symbol) {
  if (!listed) {
    listed = api.get("/v1/assets").then((assets) => new Set(assets.map((a) => a.symbol)))
      .catch(() => { listed = null; return null; });
  }
  return listed.then((known) => (known ? known.has(symbol) : true)); // unknown: the server decides
}

function refusal(err, symbol) {
  if (err.code === "ASSET_NOT_FOUND") return `${symbol} is not a symbol this brokerage lists.`;
  if (err.code === "SYMBOL_ALREADY_LISTED") return `${symbol} is already on your watchlist.`;
  return errorText(err);
}

export function watchlist() {
  let symbols = [];
  let listId = null;
  let gone = false;
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

  // The server refuses symbols it does not list, so one typo never breaks the quotes request.
  async function add() {
    const s = input.value.trim().toUpperCase();
    error.textContent = "";
    if (!s || !listId) return;
    if (!SYMBOL.test(s)) { error.textContent = `${s} is not a valid symbol.`; return; }
    if (symbols.includes(s)) { error.textContent = `${s} is already on your watchlist.`; return; }
    if (!(await isListed(s))) { error.textContent = refusal({ code: "ASSET_NOT_FOUND" }, s); return; }
    await edit(() => api.post(`/v1/watchlists/${listId}/symbols`, { symbol: s }), s);
    if (!error.textContent) input.value = "";
  }

  async function remove(symbol) {
    error.textContent = "";
    await edit(() => api.del(`/v1/watchlists/${listId}/symbols/${encodeURIComponent(symbol)}`), symbol);
  }

  async function edit(send, symbol) {
    try {
      show(await send());
    } catch (err) {
      error.textContent = refusal(err, symbol);
      // Someone else (an Alpaca bot, another tab) deleted or changed it: show what is stored.
      if (err.code === "WATCHLIST_NOT_FOUND" || err.code === "SYMBOL_NOT_LISTED") load();
    }
  }

  function show(list) {
    if (gone) return;
    listId = list.id;
    symbols = list.symbols;
    el.dataset.watchlistId = list.id;
    start();
  }

  async function load() {
    try {
      const lists = await api.get("/v1/watchlists");
      if (lists.length) show(lists[0]);
    } catch (err) {
      if (!gone) error.textContent = `Could not load your watchlist: ${errorText(err)}`;
    }
  }

  function row(symbol) {
    const cells = { last: h("td", { class: "num last" }, "—"), change: h("td", { class: "num" }, "—"),
                    bid: h("td", { class: "num hide-phone" }, "—"), ask: h("td", { class: "num hide-phone" }, "—") };
    const tr = h("tr", { dataset: { symbol } },
      h("td", {}, h("a", { href: `/symbol/${symbol}`, "data-link": true }, symbol)),
      cells.last, cells.change, cells.bid, cells.ask,
      h("td", {}, h("button", { class: "small", type: "button", "aria-label": `Remove ${symbol}`,
        onclick: () => remove(symbol) }, "×")));
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
    renderStale();
  }

  function renderStale() {
    setViewBanner("stale-watchlist", stale.size
      ? `Quotes are stale for ${[...stale].join(", ")}: no update from the feed recently.` : null);
  }

  function start() {
    stop();
    rows.clear();
    stale.clear();
    renderStale();
    replace(body, symbols.length ? symbols.map(row)
      : h("tr", {}, h("td", { colspan: 6, class: "empty" }, "No symbols yet: add one below.")));
    stop = watchQuotes(symbols, onQuote);
  }

  load();
  return { el, stop: () => { gone = true; stop(); setViewBanner("stale-watchlist", null); } };
}
