// The order ticket: every order type and time in force, shares or dollars, extended hours,
// an exact estimated cost, and a confirmation step for large orders.
import * as api from "../api.js";
import * as D from "../decimal.js";
import * as F from "../format.js";
import { session, track } from "../session.js";
import { toast } from "./toast.js";
import { h, field, select, replace, errorText } from "./dom.js";

export const TYPES = [["market", "Market"], ["limit", "Limit"], ["stop", "Stop"],
                      ["stop_limit", "Stop limit"], ["trailing_stop", "Trailing stop"]];
export const TIFS = [["day", "Day"], ["gtc", "Good till canceled"], ["ioc", "Immediate or cancel"],
                     ["fok", "Fill or kill"], ["opg", "At the open (OPG)"], ["cls", "At the close (CLS)"]];
// Confirm before sending an order worth at least this much, or this share of buying power.
const LARGE_ORDER_USD = "1000";
const LARGE_SHARE_OF_BUYING_POWER_PCT = "25";

export function orderTicket(symbol, getQuote, onPlaced) {
  let side = "buy";
  let key = null; // one Idempotency-Key per reviewed order: a double click cannot place two
  const type = select("type", TYPES, "market");
  const tif = select("time_in_force", TIFS, "day");
  const amountMode = select("amount_mode", [["qty", "Shares"], ["notional", "Dollars"]], "qty");
  const amount = h("input", { name: "amount", inputmode: "decimal", autocomplete: "off", required: true });
  const limit = h("input", { name: "limit_price", inputmode: "decimal", autocomplete: "off" });
  const stop = h("input", { name: "stop_price", inputmode: "decimal", autocomplete: "off" });
  const trailMode = select("trail_mode", [["trail_price", "By price ($)"], ["trail_percent", "By percent (%)"]],
                           "trail_price");
  const trail = h("input", { name: "trail", inputmode: "decimal", autocomplete: "off" });
  const extended = h("input", { type: "checkbox", name: "extended_hours", id: "ticket-ext" });
  const estimate = h("p", { id: "ticket-estimate", "aria-live": "polite" });
  const error = h("p", { class: "error", role: "alert", id: "ticket-error" });
  const confirmBox = h("div", { id: "ticket-confirm" });
  const submit = h("button", { type: "submit", class: "buy", id: "ticket-submit" }, "Review buy");
  const sideButtons = [["buy", "Buy"], ["sell", "Sell"]].map(([value, text]) =>
    h("button", { type: "button", "aria-pressed": String(value === side), "data-side": value,
                  onclick: () => { side = value; sync(); } }, text));

  const fields = {
    amount: field("Quantity", amount),
    limit: field("Limit price", limit),
    stop: field("Stop price", stop),
    trailMode: field("Trail", trailMode),
    trail: field("Trail amount", trail),
  };
  const form = h("form", { class: "panel", id: "ticket", "aria-labelledby": "ticket-h", novalidate: true },
    h("h2", { id: "ticket-h" }, `Trade ${symbol}`),
    h("div", { class: "seg", role: "group", "aria-label": "Side", style: "margin-bottom:10px" }, sideButtons),
    h("div", { class: "row" }, field("Order type", type), field("Amount in", amountMode)),
    fields.amount,
    h("div", { class: "row" }, fields.limit, fields.stop),
    h("div", { class: "row" }, fields.trailMode, fields.trail),
    field("Time in force", tif),
    h("div", { class: "check" }, extended, h("label", { for: "ticket-ext" }, "Extended hours (limit, day)")),
    estimate, error, submit, confirmBox);

  function sync() {
    const t = type.value;
    fields.limit.hidden = !(t === "limit" || t === "stop_limit");
    fields.stop.hidden = !(t === "stop" || t === "stop_limit");
    fields.trailMode.hidden = fields.trail.hidden = t !== "trailing_stop";
    // Dollar amounts (notional) are for market orders only.
    if (t !== "market") amountMode.value = "qty";
    amountMode.disabled = t !== "market";
    fields.amount.querySelector("label").textContent = amountMode.value === "qty" ? "Quantity (shares)" : "Amount ($)";
    fields.trail.querySelector("label").textContent = trailMode.value === "trail_price" ? "Trail amount ($)" : "Trail percent (%)";
    extended.disabled = t !== "limit";
    if (extended.disabled) extended.checked = false;
    for (const b of sideButtons) b.setAttribute("aria-pressed", String(b.dataset.side === side));
    submit.className = side;
    submit.textContent = `Review ${side}`;
    cancelConfirm();
    showEstimate();
  }

  // The price the estimate uses: the order's own price if it has one, else the far touch.
  function referencePrice() {
    const q = getQuote() || {};
    const t = type.value;
    if ((t === "limit" || t === "stop_limit") && D.isDecimal(limit.value)) return limit.value;
    if (t === "stop" && D.isDecimal(stop.value)) return stop.value;
    const touch = side === "buy" ? q.ask : q.bid;
    return D.isDecimal(touch) && D.sign(touch) > 0 ? touch : q.last || null;
  }

  function estimateValue() {
    const price = referencePrice();
    if (!D.isDecimal(amount.value) || D.sign(amount.value) <= 0) return null;
    if (amountMode.value === "notional") {
      return { value: D.round(amount.value, 2),
               shares: price ? D.div(amount.value, price, 6) : null, price };
    }
    if (!price) return null;
    return { value: D.round(D.mul(amount.value, price), 2), shares: amount.value, price };
  }

  function showEstimate() {
    const est = estimateValue();
    const bp = session.account && session.account.buying_power;
    if (!est) {
      estimate.textContent = bp ? `Buying power ${F.money(bp)}` : "";
      return;
    }
    const what = side === "buy" ? "Estimated cost" : "Estimated proceeds";
    const detail = est.shares && est.price ? ` (${F.qty(est.shares)} × ${F.price(est.price)})` : "";
    estimate.replaceChildren(h("strong", {}, `${what} ${F.money(est.value)}`), detail,
      bp ? h("span", { class: "muted" }, ` · buying power ${F.money(bp)}`) : null);
  }

  function isLarge(value) {
    if (D.cmp(value, LARGE_ORDER_USD) >= 0) return true;
    const bp = session.account && session.account.buying_power;
    if (side !== "buy" || !D.isDecimal(bp)) return false;
    return D.cmp(D.mul(value, "100"), D.mul(bp, LARGE_SHARE_OF_BUYING_POWER_PCT)) >= 0;
  }

  function body() {
    const t = type.value;
    const out = { symbol, side, type: t, time_in_force: tif.value, extended_hours: extended.checked };
    out[amountMode.value] = amount.value.trim();
    if (t === "limit" || t === "stop_limit") out.limit_price = limit.value.trim();
    if (t === "stop" || t === "stop_limit") out.stop_price = stop.value.trim();
    if (t === "trailing_stop") out[trailMode.value] = trail.value.trim();
    return out;
  }

  function problems(order) {
    const decimals = ["qty", "notional", "limit_price", "stop_price", "trail_price", "trail_percent"];
    for (const name of decimals) {
      if (name in order && !(D.isDecimal(order[name]) && D.sign(order[name]) > 0)) {
        return `Enter a positive number for ${F.label(name).replace("qty", "quantity")}.`;
      }
    }
    return null;
  }

  function describe(order) {
    const amountText = order.notional ? F.money(order.notional) : `${F.qty(order.qty)} sh`;
    const prices = [order.limit_price && `limit ${F.price(order.limit_price)}`,
                    order.stop_price && `stop ${F.price(order.stop_price)}`,
                    order.trail_price && `trail ${F.money(order.trail_price)}`,
                    order.trail_percent && `trail ${order.trail_percent}%`].filter(Boolean).join(", ");
    return `${side.toUpperCase()} ${amountText} ${symbol} · ${F.label(order.type)}${prices ? ` (${prices})` : ""}`
      + ` · ${order.time_in_force.toUpperCase()}${order.extended_hours ? " · extended hours" : ""}`;
  }

  function cancelConfirm() {
    key = null;
    replace(confirmBox);
    submit.hidden = false;
  }

  async function send(order) {
    error.textContent = "";
    for (const b of confirmBox.querySelectorAll("button")) b.disabled = true;
    submit.disabled = true;
    try {
      const placed = await api.post("/v1/orders", order, { idempotencyKey: key });
      track(placed);
      toast("Order submitted", `${describe(order)} — ${F.label(placed.status)}`, "ok");
      amount.value = "";
      cancelConfirm();
      showEstimate();
      session.emit("orders");
      session.refreshAccount().catch(() => {});
      if (onPlaced) onPlaced(placed);
    } catch (err) {
      error.textContent = errorText(err);
      toast("Order not placed", errorText(err), "error");
      cancelConfirm();
    } finally {
      submit.disabled = false;
    }
  }

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const order = body();
    const problem = problems(order);
    error.textContent = problem || "";
    if (problem) return;
    key = api.newKey("order");
    const est = estimateValue();
    if (est && !isLarge(est.value)) { send(order); return; }
    // Large (or not estimable): show what will be sent, and wait for an explicit yes.
    submit.hidden = true;
    const yes = h("button", { type: "button", class: side, id: "ticket-confirm-yes",
                              onclick: () => send(order) }, `Confirm ${side}`);
    replace(confirmBox, h("div", { class: "confirm", role: "alertdialog", "aria-labelledby": "confirm-h" },
      h("strong", { id: "confirm-h" }, est ? `Large order: ${F.money(est.value)}` : "Confirm order"),
      h("p", {}, describe(order)),
      h("div", { class: "row" }, yes, h("button", { type: "button", onclick: cancelConfirm }, "Edit"))));
    yes.focus();
  });
  for (const el of [type, amountMode, trailMode]) el.addEventListener("change", sync);
  for (const el of [amount, limit, stop, trail, tif]) el.addEventListener("input", () => { cancelConfirm(); showEstimate(); });
  sync();
  return { el: form, refresh: showEstimate };
}
