// What every view shares: the signed-in account, the market phase, notifications, and the
// portfolio value samples this tab has seen. Views read these and listen for "change".
import * as api from "./api.js";
import { stream } from "./stream.js";
import { toast } from "./components/toast.js";
import * as F from "./format.js";

const SAMPLES_MAX = 2000;
const SAMPLES_KEY = "brokerage.samples";

class Session extends EventTarget {
  constructor() {
    super();
    this.account = null;
    this.portfolio = null;
    this.market = null; // {phase, is_open, next_open, ...} from /v1/market/status or /v1/clock
    this.notifications = []; // newest first: from /v1/notifications, or this tab's own
    this.unread = 0;
    this.samples = []; // [{time: unix s, value: "decimal"}], this account's values seen here
  }

  emit(what) {
    this.dispatchEvent(new CustomEvent("change", { detail: what }));
  }

  on(handler) {
    const wrapped = (e) => handler(e.detail);
    this.addEventListener("change", wrapped);
    return () => this.removeEventListener("change", wrapped);
  }

  get signedIn() {
    return Boolean(api.getToken());
  }

  async refreshAccount() {
    const [account, portfolio] = await Promise.all([api.get("/v1/account"),
                                                    api.get("/v1/portfolio")]);
    this.account = account;
    this.portfolio = portfolio;
    this.sample(portfolio.portfolio_value);
    this.emit("account");
    return portfolio;
  }

  sample(value) {
    const time = Math.floor(Date.now() / 1000);
    const last = this.samples[this.samples.length - 1];
    if (last && last.time === time) last.value = value;
    else this.samples.push({ time, value });
    if (this.samples.length > SAMPLES_MAX) this.samples.splice(0, this.samples.length - SAMPLES_MAX);
    try {
      const key = `${SAMPLES_KEY}.${this.account ? this.account.id : "?"}`;
      localStorage.setItem(key, JSON.stringify(this.samples));
    } catch { /* storage full or disabled: the chart just keeps this tab's samples */ }
  }

  loadSamples() {
    try {
      const raw = localStorage.getItem(`${SAMPLES_KEY}.${this.account.id}`);
      this.samples = raw ? JSON.parse(raw) : [];
    } catch {
      this.samples = [];
    }
  }

  async refreshMarket() {
    try {
      const market = api.has("/v1/market/status") ? await api.get("/v1/market/status")
        : await api.get("/v1/clock");
      if (market.phase !== "regular" && !market.next_open) {
        market.next_open = (await api.get("/v1/clock")).next_open; // for "opens at ..."
      }
      this.market = market;
      this.emit("market");
    } catch { /* the banner keeps its last state */ }
  }

  async loadNotifications() {
    if (!api.has("/v1/notifications")) return;
    try {
      const body = await api.get("/v1/notifications");
      const stored = Array.isArray(body) ? body : body.notifications || [];
      // Keep this tab's own fill notes, unless the server stored the same fill.
      const local = this.notifications.filter((n) => !n.id && !stored.some((s) => sameFill(n, s)));
      const when = (n) => n.created_at || n.ts || "";
      this.notifications = [...local, ...stored].sort((a, b) => (when(a) < when(b) ? 1 : -1));
      this.emit("notifications");
    } catch { /* keep what we have */ }
  }

  notify(note, { show = true } = {}) {
    if (note.id && this.notifications.some((n) => n.id === note.id)) return;
    if (!note.id && this.notifications.some((n) => sameFill(note, n))) return; // already stored
    // The server's copy of a fill this tab already listed replaces the tab's own note.
    const before = this.notifications.length;
    this.notifications = this.notifications.filter((n) => !sameFill(n, note));
    const replaced = before - this.notifications.length;
    this.notifications.unshift(note);
    this.unread += replaced ? 0 : 1;
    if (show) toast(noteTitle(note), note.body || "", TOAST_KIND[note.kind] || "info");
    this.emit("notifications");
  }

  markRead() {
    this.unread = 0;
    this.emit("notifications");
  }
}

export const session = new Session();

// Toast colours of the kinds the server sends; any other kind shows as plain info.
const TOAST_KIND = { fill: "ok", alert: "warn", halt: "warn", order_rejected: "error",
                     order_expired: "warn", order_canceled: "warn" };

// A title for any notification, even one of a kind this app does not know.
export function noteTitle(note) {
  return note.title || F.label(note.kind || "notification").replace(/^./, (c) => c.toUpperCase());
}

// `local` is this tab's own note of a fill (from the stream's fill message); `stored` is the
// server's notification of the same execution (kind "fill", data.order_id, data.exec_id).
function sameFill(local, stored) {
  const data = stored && stored.data;
  if (local.id || local.kind !== "fill" || !stored.id || stored.kind !== "fill" || !data) return false;
  if (!local.order_id || data.order_id !== local.order_id) return false;
  return !local.exec_id || !data.exec_id || data.exec_id === local.exec_id;
}

// Orders placed from this tab: a toast when they fill. With the stream down, poll them.
const tracked = new Map(); // id -> last status
const TERMINAL = new Set(["filled", "canceled", "expired", "rejected", "replaced", "done_for_day"]);

export function track(order) {
  if (order && order.id && !TERMINAL.has(order.status)) tracked.set(order.id, order.status);
}

function fillToast(msg) {
  const what = `${F.label(msg.side || "")} ${F.qty(msg.quantity || msg.qty || msg.last_qty)} ${msg.symbol || ""}`;
  const at = msg.price || msg.last_price;
  // A fill of part of an order says so; the stream carries the order's status after the fill.
  const partial = msg.order_status && msg.order_status !== "filled";
  const title = partial ? "Order partially filled" : "Order filled";
  const progress = partial && msg.filled_qty && msg.order_qty
    ? ` (${F.qty(msg.filled_qty)} of ${F.qty(msg.order_qty)})` : "";
  toast(title, `${what}${at ? ` @ ${F.price(at)}` : ""}${progress}`.trim(), "ok");
  session.notify({ kind: "fill", title, body: what + progress, ts: msg.ts, order_id: msg.order_id,
                   exec_id: msg.exec_id }, { show: false });
}

async function pollTracked() {
  if (stream.connected || !tracked.size || !session.signedIn) return;
  for (const [id, before] of [...tracked]) {
    try {
      const order = await api.get(`/v1/orders/${id}`);
      if (order.status !== before) onOrderChange(order);
    } catch { tracked.delete(id); }
  }
}

function onOrderChange(order) {
  const before = tracked.get(order.id);
  if (before === undefined) return;
  if (order.status === "filled" && !stream.connected) {
    fillToast({ side: order.side, symbol: order.symbol, quantity: order.filled_qty || order.qty,
                price: order.filled_avg_price });
  }
  if (TERMINAL.has(order.status)) tracked.delete(order.id);
  else tracked.set(order.id, order.status);
  session.emit("orders");
  session.refreshAccount().catch(() => {});
}

export function startSessionFeeds() {
  stream.on("fill", (msg) => {
    fillToast(msg);
    session.refreshAccount().catch(() => {});
  });
  stream.on("order", (msg) => {
    if (msg.order) onOrderChange(msg.order);
    session.emit("orders");
  });
  stream.on("notification", (msg) => {
    // Fills already toast from their own "fill" message; list them without a second toast.
    session.notify(msg, { show: msg.kind !== "fill" });
  });
  stream.on("status", () => session.emit("stream"));
  setInterval(pollTracked, 1500);
  setInterval(() => session.refreshMarket(), 30000);
  setInterval(() => {
    if (session.signedIn && !document.hidden) session.refreshAccount().catch(() => {});
  }, 10000);
}
