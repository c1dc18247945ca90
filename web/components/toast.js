// Toasts: short-lived messages in a polite live region (fills, alerts, errors).
import { h } from "./dom.js";

const TOAST_MS = 6000;

export function toast(title, body = "", kind = "info") {
  const region = document.getElementById("toasts");
  if (!region) return;
  const el = h("div", { class: `toast ${kind}`, role: kind === "error" ? "alert" : "status" },
    h("strong", {}, title), body ? h("div", {}, body) : null,
    h("button", { class: "close", "aria-label": "Dismiss", onclick: () => el.remove() }, "×"));
  region.append(el);
  while (region.children.length > 5) region.firstElementChild.remove();
  setTimeout(() => el.remove(), TOAST_MS);
}
