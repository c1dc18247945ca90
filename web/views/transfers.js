// Deposits and withdrawals (ACH), and the transfer list.
import * as api from "../api.js";
import * as D from "../decimal.js";
import * as F from "../format.js";
import { session } from "../session.js";
import { toast } from "../components/toast.js";
import { h, replace, table, field, errorText } from "../components/dom.js";

export async function render(main) {
  const amount = h("input", { name: "amount", id: "transfer-amount", inputmode: "decimal", required: true,
                              autocomplete: "off" });
  const direction = h("select", { name: "direction", id: "transfer-direction" },
    h("option", { value: "deposit" }, "Deposit"), h("option", { value: "withdrawal" }, "Withdraw"));
  const error = h("p", { class: "error", role: "alert" });
  const submit = h("button", { type: "submit", class: "primary", id: "transfer-submit" }, "Send");
  const available = h("p", { class: "muted" });
  const list = h("div", { id: "transfers" });
  const form = h("form", { class: "panel", "aria-labelledby": "tf-h" },
    h("h2", { id: "tf-h" }, "Move money"),
    h("div", { class: "row" }, field("Direction", direction), field("Amount ($)", amount)),
    available, error, submit);
  main.append(h("h1", {}, "Transfers"), form,
    h("section", { class: "panel", "aria-labelledby": "tl-h" }, h("h2", { id: "tl-h" }, "History"), list));

  function showAvailable() {
    const a = session.account;
    available.textContent = a ? `Withdrawable (settled) cash ${F.money(a.cash_withdrawable)}; `
      + `deposits are available instantly up to the instant limit, the rest when they settle.` : "";
  }

  async function load() {
    try {
      const rows = await api.get("/v1/transfers");
      replace(list, table(["Created", "Direction", "Amount", "Instant", "Status", "Settles on"], rows.map((t) =>
        h("tr", {}, h("td", {}, F.time(t.created_at)), h("td", {}, t.direction),
          h("td", { class: "num" }, F.money(t.amount)), h("td", { class: "num" }, F.money(t.instant_amount)),
          h("td", {}, F.label(t.status)), h("td", {}, t.settles_on))), { empty: "No transfers yet.", stack: true }));
    } catch (err) {
      replace(list, h("p", { class: "error" }, errorText(err)));
    }
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    error.textContent = "";
    const value = amount.value.trim();
    if (!D.isDecimal(value) || D.sign(value) <= 0) { error.textContent = "Enter a positive amount."; return; }
    submit.disabled = true;
    try {
      const t = await api.post("/v1/transfers", { direction: direction.value, amount: value });
      toast(t.direction === "deposit" ? "Deposit sent" : "Withdrawal sent",
            `${F.money(t.amount)} — ${F.label(t.status)}`, "ok");
      amount.value = "";
      await Promise.all([load(), session.refreshAccount()]);
    } catch (err) {
      error.textContent = errorText(err);
    } finally {
      submit.disabled = false;
    }
  });
  showAvailable();
  await load();
  return session.on((what) => { if (what === "account") showAvailable(); });
}
