// Home: account summary, portfolio value over time, and the watchlist with live quotes.
import * as api from "../api.js";
import * as F from "../format.js";
import { session } from "../session.js";
import { h, replace, errorText } from "../components/dom.js";
import { lineChart } from "../components/chart.js";
import { watchlist } from "../components/watchlist.js";

const RANGES = [["1D", "5Min"], ["1W", "1H"], ["1M", "1D"], ["1A", "1D"]];

export async function render(main) {
  const cards = h("div", { class: "cards", id: "summary" });
  const chartEl = h("div", { class: "chart small", id: "portfolio-chart",
                             role: "img", "aria-label": "Portfolio value over time" });
  const chartNote = h("small", { class: "hint" });
  const ranges = h("div", { class: "seg", role: "group", "aria-label": "Chart range" });
  const wl = watchlist();
  main.append(
    h("h1", {}, "Account"),
    h("div", { class: "grid" },
      h("section", { class: "panel", "aria-labelledby": "sum-h" },
        h("h2", { id: "sum-h" }, "Summary"), cards,
        h("p", {}, h("a", { href: "/transfers", "data-link": true }, "Deposit or withdraw"))),
      h("section", { class: "panel", "aria-labelledby": "pv-h" },
        h("div", { class: "row", style: "justify-content: space-between" },
          h("h2", { id: "pv-h" }, "Portfolio value"), ranges),
        chartEl, chartNote)),
    wl.el);

  const chart = lineChart(chartEl);
  const useHistory = api.has("/v2/account/portfolio/history");
  let range = useHistory ? "1D" : null;
  let history = [];

  function drawSummary() {
    const a = session.account, p = session.portfolio;
    if (!a || !p) return;
    const item = (k, v, cls = "", id) => h("div", { class: "card" }, h("div", { class: "k" }, k),
                                          h("div", { class: `v ${cls}`, id }, v));
    replace(cards,
      item("Portfolio value", F.money(p.portfolio_value), "", "portfolio-value"),
      item("Buying power", F.money(a.buying_power), "", "buying-power"),
      item("Cash", F.money(a.cash), "", "cash"),
      item("Settled cash (withdrawable)", F.money(a.cash_withdrawable), "", "cash-settled"),
      item("Unsettled proceeds", F.money(a.unsettled_proceeds), "", "cash-unsettled"),
      item("Pending deposits", F.money(a.pending_deposits)),
      item("Held for orders", F.money(a.cash_held_for_orders)),
      item("Positions value", F.money(p.long_market_value)),
      item("Unrealized P&L", F.money(p.unrealized_pnl, { signed: true }), F.signClass(p.unrealized_pnl)),
      item("Realized P&L", F.money(p.realized_pnl, { signed: true }), F.signClass(p.realized_pnl)));
  }

  function drawChart() {
    if (!chart) return;
    const live = session.samples;
    // History from the server up to now, then what this tab has seen since.
    const last = history.length ? history[history.length - 1].time : 0;
    chart.set(range ? [...history, ...live.filter((s) => s.time > last)] : live);
  }

  async function loadHistory() {
    if (!range) {
      chartNote.textContent = "Values sampled by this browser from /v1/portfolio (no history endpoint).";
      return drawChart();
    }
    const timeframe = RANGES.find(([r]) => r === range)[1];
    try {
      const body = await api.get(`/v2/account/portfolio/history?period=${range}&timeframe=${timeframe}`);
      history = (body.timestamp || []).map((t, i) => ({ time: t, value: body.equity[i] }))
        .filter((p) => p.value !== null && p.value !== undefined);
      chartNote.textContent = "Equity from the account's history, then live values.";
    } catch (err) {
      history = [];
      chartNote.textContent = `History unavailable (${errorText(err)}); showing live values.`;
    }
    drawChart();
  }

  if (useHistory) {
    for (const [r] of RANGES) {
      ranges.append(h("button", { type: "button", "aria-pressed": String(r === range), class: "small",
        onclick: (e) => {
          range = r;
          for (const b of ranges.children) b.setAttribute("aria-pressed", String(b === e.target));
          loadHistory();
        } }, r));
    }
  }

  drawSummary();
  loadHistory();
  const off = session.on((what) => {
    if (what === "account") { drawSummary(); drawChart(); }
  });
  session.refreshAccount().catch(() => {});
  return () => {
    off();
    wl.stop();
    if (chart) chart.remove();
  };
}
