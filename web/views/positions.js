// Positions with their tax lots and P&L, and closed lots with realized P&L.
import * as api from "../api.js";
import * as F from "../format.js";
import { session } from "../session.js";
import { h, replace, table, errorText } from "../components/dom.js";

export async function render(main) {
  const box = h("div", { id: "positions" });
  const closedBox = h("div", { id: "realized" });
  main.append(h("h1", {}, "Positions"),
    h("section", { class: "panel", "aria-labelledby": "pos-h" }, h("h2", { id: "pos-h" }, "Open positions"), box),
    h("section", { class: "panel", "aria-labelledby": "rl-h" }, h("h2", { id: "rl-h" }, "Closed lots"), closedBox));

  async function load() {
    try {
      const [positions, closed] = await Promise.all([api.get("/v1/positions"), api.get("/v1/realized")]);
      replace(box, positionsTable(positions));
      replace(closedBox, table(["Closed", "Symbol", "Qty", "Cost basis", "Proceeds", "Realized P&L", "Term"],
        closed.slice().reverse().map((c) => h("tr", {}, h("td", {}, F.time(c.closed_at)), h("td", {}, c.symbol),
          h("td", { class: "num" }, F.qty(c.quantity)), h("td", { class: "num" }, F.money(c.cost_basis)),
          h("td", { class: "num" }, F.money(c.proceeds)),
          h("td", { class: `num ${F.signClass(c.realized_pnl)}` }, F.money(c.realized_pnl, { signed: true })),
          h("td", {}, c.long_term ? "long" : "short"))), { empty: "No closed lots yet.", stack: true }));
    } catch (err) {
      replace(box, h("p", { class: "error" }, errorText(err)));
    }
  }
  await load();
  const timer = setInterval(() => { if (!document.hidden) load(); }, 5000);
  const off = session.on((what) => { if (what === "orders" || what === "account") load(); });
  return () => { clearInterval(timer); off(); };
}

function positionsTable(positions) {
  const headers = ["Symbol", "Qty", "Avg cost", "Price", "Value", "Unrealized", "Realized", "Lots"];
  const rows = [];
  for (const p of positions) {
    const lotsRow = h("tr", { hidden: true, class: "lots" }, h("td", { colspan: headers.length },
      table(["Opened", "Qty", "Original qty", "Cost/share", "Order"], (p.lots || []).map((l) => h("tr", { dataset: { lotId: l.lot_id } },
        h("td", {}, F.time(l.opened_at)), h("td", { class: "num" }, F.qty(l.quantity)),
        h("td", { class: "num" }, F.qty(l.original_quantity)), h("td", { class: "num" }, F.price(l.cost_per_share)),
        h("td", {}, h("a", { href: `/orders/${l.order_id}`, "data-link": true }, l.order_id.slice(0, 8))))),
        { caption: `Tax lots of ${p.symbol} (FIFO)`, empty: "No lots.", stack: true })));
    const toggle = h("button", { class: "small", type: "button", "aria-expanded": "false", "data-action": "lots",
      onclick: () => {
        lotsRow.hidden = !lotsRow.hidden;
        toggle.setAttribute("aria-expanded", String(!lotsRow.hidden));
      } }, `${(p.lots || []).length} lot${(p.lots || []).length === 1 ? "" : "s"}`);
    rows.push(h("tr", { dataset: { symbol: p.symbol } },
      h("td", {}, h("a", { href: `/symbol/${p.symbol}`, "data-link": true }, p.symbol)),
      h("td", { class: "num" }, F.qty(p.quantity)), h("td", { class: "num hide-phone" }, F.price(p.average_cost)),
      h("td", { class: "num hide-phone" }, F.price(p.current_price)), h("td", { class: "num" }, F.money(p.market_value)),
      h("td", { class: `num ${F.signClass(p.unrealized_pnl)}` }, F.money(p.unrealized_pnl, { signed: true })),
      h("td", { class: `num hide-phone ${F.signClass(p.realized_pnl)}` }, F.money(p.realized_pnl, { signed: true })),
      h("td", {}, toggle)), lotsRow);
  }
  return table(headers, rows, { empty: "No positions. Buy something from a symbol page.", stack: true });
}
