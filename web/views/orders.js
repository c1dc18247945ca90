// Orders: open ones (cancel, replace) and the history, each with its fills and state history.
import * as api from "../api.js";
import * as F from "../format.js";
import { session, track } from "../session.js";
import { toast } from "../components/toast.js";
import { h, replace, table, field, select, errorText } from "../components/dom.js";
import { navigate } from "../app.js";
import { TIFS } from "../components/ticket.js";

function amountText(o) {
  return o.notional ? F.money(o.notional) : F.qty(o.quantity);
}

function priceText(o) {
  // Non-breaking spaces keep "L 460.00" together when a narrow column wraps.
  return [o.limit_price && `L\u00a0${F.price(o.limit_price)}`, o.stop_price && `S\u00a0${F.price(o.stop_price)}`,
          o.trail_price && `T\u00a0${F.money(o.trail_price)}`, o.trail_percent && `T\u00a0${o.trail_percent}%`]
    .filter(Boolean).join(" ") || "—";
}

async function cancel(order, reload) {
  try {
    const result = await api.del(`/v1/orders/${order.id}`);
    toast("Cancel requested", `${order.symbol} ${order.side} — ${F.label(result.status)}`);
  } catch (err) {
    toast("Cancel refused", errorText(err), "error");
  }
  session.emit("orders");
  reload();
}

function replaceForm(order, reload, done) {
  const qty = h("input", { name: "qty", inputmode: "decimal", value: order.quantity || "" });
  const limit = h("input", { name: "limit_price", inputmode: "decimal", value: order.limit_price || "" });
  const tif = select("time_in_force", TIFS, order.time_in_force);
  const error = h("p", { class: "error", role: "alert" });
  const form = h("form", { class: "row", "aria-label": `Replace ${order.symbol} order` },
    field("New quantity", qty), order.limit_price ? field("New limit price", limit) : null,
    field("Time in force", tif), h("button", { type: "submit", class: "primary" }, "Send replace"),
    h("button", { type: "button", onclick: done }, "Close"), error);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const body = {};
    if (qty.value.trim() && qty.value.trim() !== order.quantity) body.qty = qty.value.trim();
    if (order.limit_price && limit.value.trim() !== order.limit_price) body.limit_price = limit.value.trim();
    if (tif.value !== order.time_in_force) body.time_in_force = tif.value;
    if (!Object.keys(body).length) { error.textContent = "Change something first."; return; }
    try {
      const next = await api.patch(`/v1/orders/${order.id}`, body);
      track(next);
      toast("Replace sent", `${order.symbol}: new order ${F.label(next.status)}`, "ok");
      session.emit("orders");
      reload();
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  return form;
}

// `compact` (the symbol page's narrow column) keeps side, quantity, price, status and actions.
export function openOrdersTable(orders, reload, { compact = false } = {}) {
  const columns = [
    ["Symbol", (o) => h("td", {}, h("a", { href: `/symbol/${o.symbol}`, "data-link": true }, o.symbol)), false],
    ["Side", (o) => h("td", { class: o.side === "buy" ? "up" : "down" }, o.side), true],
    ["Type", (o) => h("td", { class: "hide-phone" }, F.label(o.order_type)), false],
    ["Qty", (o) => h("td", { class: "num" }, amountText(o)), true],
    ["Price", (o) => h("td", { class: "num" }, priceText(o)), true],
    ["Filled", (o) => h("td", { class: "num hide-phone" }, F.qty(o.filled_quantity)), false],
    ["TIF", (o) => h("td", { class: "hide-phone" }, o.time_in_force.toUpperCase()), false],
    ["Status", (o) => h("td", {}, F.label(o.status)), true],
  ].filter(([, , keep]) => keep || !compact);
  const headers = [...columns.map(([name]) => name), "Actions"];
  const rows = [];
  for (const o of orders) {
    const editRow = h("tr", { hidden: true }, h("td", { colspan: headers.length }));
    const actions = h("td", { class: "actions" },
      h("button", { class: "small", type: "button", "data-action": "cancel", "aria-label": `Cancel ${o.symbol} ${o.side} order`,
                    onclick: () => cancel(o, reload) }, "Cancel"), " ",
      o.order_type === "market" ? null : h("button", { class: "small", type: "button", "data-action": "replace",
        "aria-label": `Replace ${o.symbol} ${o.side} order`, onclick: () => {
          editRow.hidden = !editRow.hidden;
          replace(editRow.firstChild, replaceForm(o, reload, () => { editRow.hidden = true; }));
        } }, "Replace"));
    rows.push(h("tr", { dataset: { orderId: o.id, status: o.status } },
      columns.map(([, cell]) => cell(o)), actions), editRow);
  }
  return table(headers, rows, { empty: "No open orders.", stack: true });
}

export async function render(main, [orderId]) {
  const openBox = h("div", { id: "open-orders" });
  const historyBox = h("div", { id: "order-history" });
  const detailBox = h("div", { id: "order-detail" });
  main.append(h("h1", {}, "Orders"),
    h("section", { class: "panel", "aria-labelledby": "oo-h" }, h("h2", { id: "oo-h" }, "Open orders"), openBox),
    detailBox,
    h("section", { class: "panel", "aria-labelledby": "oh-h" }, h("h2", { id: "oh-h" }, "History"), historyBox));

  async function load() {
    try {
      const [open, closed] = await Promise.all([api.get("/v1/orders?status=open"),
                                                api.get("/v1/orders?status=closed&limit=100")]);
      replace(openBox, openOrdersTable(open, load));
      replace(historyBox, table(["Time", "Symbol", "Side", "Type", "Qty", "Filled", "Avg price", "Status"],
        closed.map((o) => h("tr", { class: "clickable", tabindex: 0, dataset: { orderId: o.id, status: o.status },
          onclick: () => navigate(`/orders/${o.id}`),
          onkeydown: (e) => { if (e.key === "Enter") navigate(`/orders/${o.id}`); } },
          h("td", {}, F.time(o.created_at)), h("td", {}, o.symbol),
          h("td", { class: o.side === "buy" ? "up" : "down" }, o.side), h("td", {}, F.label(o.order_type)),
          h("td", { class: "num" }, amountText(o)), h("td", { class: "num" }, F.qty(o.filled_quantity)),
          h("td", { class: "num" }, F.price(o.filled_avg_price)),
          h("td", { title: o.reject_message || "" }, F.label(o.status)))),
        { empty: "No finished orders yet.", stack: true }));
    } catch (err) {
      replace(openBox, h("p", { class: "error" }, errorText(err)));
    }
  }

  if (orderId) await showDetail(orderId, detailBox);
  await load();
  return session.on((what) => { if (what === "orders") load(); });
}

async function showDetail(id, box) {
  let o;
  try {
    o = await api.get(`/v1/orders/${encodeURIComponent(id)}`);
  } catch (err) {
    replace(box, h("p", { class: "error", role: "alert" }, errorText(err)));
    return;
  }
  replace(box, h("section", { class: "panel detail", "aria-labelledby": "od-h" },
    h("h2", { id: "od-h" }, `${o.side.toUpperCase()} ${amountText(o)} ${o.symbol} · ${F.label(o.order_type)} · ${F.label(o.status)}`),
    h("p", { class: "muted" }, `Order ${o.id} · ${priceText(o)} · ${o.time_in_force.toUpperCase()}`,
      o.reject_message ? h("span", { class: "error" }, ` · ${o.reject_message}`) : null),
    h("h3", {}, "Fills"),
    table(["Time", "Qty", "Price", "Venue", "Liquidity"], (o.fills || []).map((f) => h("tr", {},
      h("td", {}, F.time(f.ts)), h("td", { class: "num" }, F.qty(f.quantity)), h("td", { class: "num" }, F.price(f.price)),
      h("td", {}, f.venue), h("td", {}, f.liquidity || ""))), { empty: "No fills.", stack: true }),
    h("h3", {}, "State history"),
    table(["Time", "Event", "Status", "Detail"], (o.history || []).map((e) => h("tr", {},
      h("td", {}, F.time(e.ts)), h("td", {}, F.label(e.kind)), h("td", {}, F.label(e.status)),
      h("td", { class: "muted", style: "white-space: normal" }, detailText(e.detail)))), { empty: "No events.", stack: true })));
}

function detailText(detail) {
  if (!detail || typeof detail !== "object") return "";
  return Object.entries(detail).filter(([, v]) => v !== null && typeof v !== "object")
    .map(([k, v]) => `${F.label(k)}: ${v}`).join(", ");
}
