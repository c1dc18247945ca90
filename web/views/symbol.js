// A symbol: live quote, candlestick chart (1m..1w), depth, recent trades, the order ticket,
// and this account's open orders in it. Halts and stale quotes raise banners.
import * as api from "../api.js";
import * as F from "../format.js";
import { stream } from "../stream.js";
import { session } from "../session.js";
import { h, replace, table, errorText } from "../components/dom.js";
import { candleChart } from "../components/chart.js";
import { setPrice } from "../components/quote-cell.js";
import { setViewBanner } from "../components/banners.js";
import { orderTicket } from "../components/ticket.js";
import { openOrdersTable } from "./orders.js";
import { watchQuotes, lastOf } from "../quotes.js";

const INTERVALS = ["1m", "5m", "15m", "1h", "1d", "1w"];
const POLL_MS = 3000;

export async function render(main, [raw]) {
  const symbol = raw.toUpperCase();
  let asset;
  try {
    asset = await api.get(`/v1/assets/${encodeURIComponent(symbol)}`);
  } catch (err) {
    main.append(h("section", { class: "panel" }, h("h1", {}, symbol),
      h("p", { class: "error", role: "alert" }, errorText(err))));
    return null;
  }
  const undo = [];
  let quote = null;

  const last = h("span", { class: "last", id: "last-price" }, "—");
  const change = h("span", { id: "change" });
  const touch = h("span", { class: "muted", id: "touch" });
  const stats = h("span", { class: "muted hide-phone" });
  const statusEl = h("span", { id: "symbol-status" });
  const ticket = orderTicket(symbol, () => quote, () => loadOrders());

  main.append(h("div", { class: "quote-head" }, h("h1", { style: "margin:0" }, symbol),
    h("span", { class: "muted" }, asset.name || ""), last, change, touch, stats, statusEl));
  const left = h("div", {});
  const right = h("div", {}, ticket.el);
  main.append(h("div", { class: "symbol-layout" }, left, right));

  function onQuote(_s, q) {
    quote = q;
    const price = lastOf(q);
    if (price) setPrice(last, price);
    const ch = F.change(price, q.previous_close);
    change.textContent = ch ? `${F.money(ch.abs, { signed: true }).replace("$", "")} (${F.pct(ch.pct)})` : "";
    change.className = ch ? F.signClass(ch.abs) : "";
    touch.textContent = `Bid ${F.price(q.bid)} × ${F.qty(q.bid_size)} · Ask ${F.price(q.ask)} × ${F.qty(q.ask_size)}`;
    stats.textContent = q.open ? `O ${F.price(q.open)} H ${F.price(q.high)} L ${F.price(q.low)} V ${F.qty(q.volume)}` : "";
    setViewBanner("stale-symbol", q.stale ? `Quotes for ${symbol} are stale: no update from the feed recently.` : null);
    ticket.refresh();
  }
  undo.push(watchQuotes([symbol], onQuote));
  undo.push(() => setViewBanner("stale-symbol", null));

  undo.push(statusPanel(symbol, statusEl));
  if (api.has("/v1/candles/{symbol}")) undo.push(chartPanel(symbol, left));
  else left.append(h("p", { class: "panel muted" }, "Charts need the candles endpoint, which this server does not offer."));
  if (api.has("/v1/depth/{symbol}")) undo.push(depthPanel(symbol, left));
  if (api.has("/v1/trades/{symbol}")) undo.push(tradesPanel(symbol, left));

  const ordersBox = h("div");
  right.append(h("section", { class: "panel", id: "symbol-orders", "aria-labelledby": "so-h" },
    h("h2", { id: "so-h" }, `Open orders in ${symbol}`), ordersBox));
  async function loadOrders() {
    try {
      const open = await api.get(`/v1/orders?status=open&symbols=${encodeURIComponent(symbol)}`);
      replace(ordersBox, openOrdersTable(open, loadOrders, { compact: true }));
    } catch (err) {
      replace(ordersBox, h("p", { class: "error" }, errorText(err)));
    }
  }
  loadOrders();
  undo.push(session.on((what) => { if (what === "orders") loadOrders(); }));
  return () => undo.forEach((f) => f());
}

function chartPanel(symbol, parent) {
  let interval = localStorage.getItem("brokerage.interval") || "1m";
  const el = h("div", { class: "chart", id: "candles", role: "img", "aria-label": `${symbol} candlestick chart` });
  const note = h("small", { class: "hint", id: "chart-note" });
  const seg = h("div", { class: "seg", role: "group", "aria-label": "Candle interval" },
    INTERVALS.map((i) => h("button", { type: "button", class: "small", "data-interval": i,
      "aria-pressed": String(i === interval), onclick: () => select(i) }, i)));
  parent.append(h("section", { class: "panel", id: "chart-panel", "aria-label": "Chart" },
    h("div", { class: "row", style: "justify-content: space-between; margin-bottom: 8px" },
      h("h2", { style: "margin:0" }, "Chart"), seg), el, note));
  const chart = candleChart(el);
  if (!chart) {
    note.textContent = "The chart library did not load.";
    return () => {};
  }
  let unwatch = () => {};
  let offBar = () => {};
  let generation = 0;

  async function select(next) {
    interval = next;
    localStorage.setItem("brokerage.interval", next);
    for (const b of seg.children) b.setAttribute("aria-pressed", String(b.dataset.interval === next));
    const mine = ++generation;
    unwatch();
    offBar();
    try {
      const body = await api.get(`/v1/candles/${encodeURIComponent(symbol)}?interval=${next}`);
      if (mine !== generation) return;
      chart.set(body.candles || []);
      el.dataset.count = String(chart.count);
      note.textContent = chart.count ? "" : "No trades in this range yet.";
    } catch (err) {
      note.textContent = `Candles unavailable: ${errorText(err)}`;
    }
    if (mine !== generation) return;
    unwatch = stream.watch([`bars.${next}|${symbol}`]);
    offBar = stream.on("bar", ({ interval: iv, symbol: s, data }) => {
      if (iv !== interval || s !== symbol || !data.start) return;
      chart.update(data);
      el.dataset.count = String(chart.count);
    });
  }
  // Without the stream, refresh the candles now and then instead of live updates.
  const timer = setInterval(() => {
    if (!stream.connected && !document.hidden) select(interval);
  }, POLL_MS * 5);
  select(interval);
  return () => { generation++; clearInterval(timer); unwatch(); offBar(); chart.remove(); };
}

function levels(rows) {
  return (rows || []).map((l) => (Array.isArray(l) ? l : [l.price, l.size ?? l.qty ?? l.quantity]));
}

function depthPanel(symbol, parent) {
  const box = h("div", { class: "depth", id: "depth" });
  parent.append(h("section", { class: "panel", id: "depth-panel", "aria-labelledby": "depth-h" },
    h("h2", { id: "depth-h" }, "Depth"), box));
  const side = (name, rows, cls) => table([name, "Size"], levels(rows).slice(0, 10).map(([p, s]) =>
    h("tr", {}, h("td", { class: `num ${cls}` }, F.price(p)), h("td", { class: "num" }, F.qty(s)))),
    { empty: `No ${name.toLowerCase()}s.` });
  const draw = (d) => replace(box, h("div", {}, side("Bid", d.bids, "up")), h("div", {}, side("Ask", d.asks, "down")));
  const unwatch = stream.watch([`depth|${symbol}`]);
  const off = stream.on("depth", ({ symbol: s, data }) => { if (s === symbol) draw(data); });
  const poll = async () => {
    if (stream.connected && stream.state.has(`depth|${symbol}`)) return;
    try { draw(await api.get(`/v1/depth/${encodeURIComponent(symbol)}`)); } catch { /* next tick */ }
  };
  poll();
  const timer = setInterval(poll, POLL_MS);
  return () => { clearInterval(timer); off(); unwatch(); };
}

function tradesPanel(symbol, parent) {
  const box = h("div", { id: "trades" });
  parent.append(h("section", { class: "panel", id: "trades-panel", "aria-labelledby": "tr-h" },
    h("h2", { id: "tr-h" }, "Recent trades"), box));
  let prints = [];
  const draw = () => replace(box, table(["Time", "Price", "Size", "Venue"], prints.slice(0, 12).map((t) =>
    h("tr", {}, h("td", {}, new Date(t.ts).toLocaleTimeString()), h("td", { class: "num" }, F.price(t.price)),
      h("td", { class: "num" }, F.qty(t.size)), h("td", { class: "muted" }, t.venue || ""))), { empty: "No trades yet." }));
  const load = async () => {
    try {
      prints = (await api.get(`/v1/trades/${encodeURIComponent(symbol)}?limit=20`)).trades || [];
      draw();
    } catch { /* keep the last list */ }
  };
  load();
  const unwatch = stream.watch([`trades|${symbol}`]);
  const off = stream.on("trades", ({ symbol: s, prints: fresh }) => {
    if (s !== symbol) return;
    prints = [...fresh.slice().reverse(), ...prints].slice(0, 50);
    draw();
  });
  const timer = setInterval(() => { if (!stream.connected) load(); }, POLL_MS);
  return () => { clearInterval(timer); off(); unwatch(); };
}

function statusPanel(symbol, el) {
  let live = true; // a poll answering after the view left must not raise its banner again
  const show = (s) => {
    if (!live) return;
    const state = s && s.status;
    const trading = !state || state === "trading";
    el.textContent = trading ? "" : F.label(state);
    el.className = trading ? "" : "badge";
    setViewBanner("halt", trading ? null
      : `${symbol} is ${F.label(state)}${s.reason ? `: ${s.reason}` : ""}${s.resume_at ? `; resumes ${F.time(s.resume_at)}` : ""}.`,
      "bad");
  };
  const unwatch = stream.watch([`status|${symbol}`]);
  const off = stream.on("status", ({ symbol: s, data }) => { if (s === symbol) show(data); });
  const poll = async (first = false) => {
    if (!api.has("/v1/market/status/{symbol}") || (stream.connected && !first)) return;
    try { show(await api.get(`/v1/market/status/${encodeURIComponent(symbol)}`)); } catch { /* next */ }
  };
  poll(true);
  const timer = setInterval(poll, POLL_MS * 3);
  return () => { live = false; clearInterval(timer); off(); unwatch(); setViewBanner("halt", null); };
}
