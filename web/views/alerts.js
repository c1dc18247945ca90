// Price alerts: notified once when the last sale reaches a price (above or below).
import * as api from "../api.js";
import * as D from "../decimal.js";
import * as F from "../format.js";
import { session } from "../session.js";
import { toast } from "../components/toast.js";
import { h, replace, table, field, errorText } from "../components/dom.js";

export async function render(main) {
  main.append(h("h1", {}, "Price alerts"));
  if (!api.has("/v1/alerts")) {
    main.append(h("p", { class: "panel muted" }, "This server does not offer price alerts."));
    return null;
  }
  const symbol = h("input", { name: "symbol", id: "alert-symbol", list: "symbols", required: true,
                              autocapitalize: "characters", autocomplete: "off" });
  const direction = h("select", { name: "direction", id: "alert-direction" },
    h("option", { value: "above" }, "Rises to or above"), h("option", { value: "below" }, "Falls to or below"));
  const price = h("input", { name: "price", id: "alert-price", inputmode: "decimal", required: true, autocomplete: "off" });
  const error = h("p", { class: "error", role: "alert" });
  const list = h("div", { id: "alerts" });
  const form = h("form", { class: "panel", "aria-labelledby": "na-h" }, h("h2", { id: "na-h" }, "New alert"),
    h("div", { class: "row" }, field("Symbol", symbol), field("When the price", direction), field("Price", price),
      h("div", { class: "field" }, h("button", { type: "submit", class: "primary" }, "Create alert"))), error);
  main.append(form, h("section", { class: "panel", "aria-labelledby": "al-h" }, h("h2", { id: "al-h" }, "Your alerts"), list));

  async function load() {
    try {
      const alerts = await api.get("/v1/alerts");
      replace(list, table(["Symbol", "Condition", "Status", "Created", "Triggered", ""], alerts.map((a) =>
        h("tr", { dataset: { alertId: a.id } }, h("td", {}, a.symbol),
          h("td", {}, `${a.direction === "above" ? "≥" : "≤"} ${F.price(a.price)}`), h("td", {}, F.label(a.status)),
          h("td", {}, F.time(a.created_at)),
          h("td", {}, a.triggered_at ? `${F.time(a.triggered_at)} at ${F.price(a.triggered_price)}` : "—"),
          h("td", {}, a.status === "active" ? h("button", { class: "small", type: "button",
            "aria-label": `Cancel alert on ${a.symbol}`, onclick: () => cancel(a) }, "Cancel") : null))),
        { empty: "No alerts yet.", stack: true }));
    } catch (err) {
      replace(list, h("p", { class: "error" }, errorText(err)));
    }
  }

  async function cancel(a) {
    try {
      await api.del(`/v1/alerts/${a.id}`);
    } catch (err) {
      toast("Could not cancel the alert", errorText(err), "error");
    }
    load();
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    if (!D.isDecimal(price.value) || D.sign(price.value) <= 0) { error.textContent = "Enter a positive price."; return; }
    try {
      await api.post("/v1/alerts", { symbol: symbol.value.trim().toUpperCase(), direction: direction.value,
                                     price: price.value.trim() });
      price.value = "";
      load();
    } catch (err) {
      error.textContent = errorText(err);
    }
  });
  await load();
  return session.on((what) => { if (what === "notifications") load(); });
}
