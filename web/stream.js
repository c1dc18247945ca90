// The /v1/stream WebSocket: authenticate, keep subscriptions, merge market deltas, reconnect
// with capped exponential backoff. Emits DOM events on `stream`:
//   "status"  {connected}              "quote" / "depth" / "status" {symbol, data} (merged state)
//   "bar"     {interval, symbol, data} "trades" {symbol, prints}
//   "fill" / "order" / "notification"  (the server's message as detail)
// Frames are JSON arrays of messages; market messages carry only changed fields, so the
// latest state per (stream, symbol) is kept here and events carry the merged state.
import { getToken } from "./api.js";

const BACKOFF_MS_MIN = 500;
const BACKOFF_MS_MAX = 15000;

class Stream extends EventTarget {
  constructor() {
    super();
    this.ws = null;
    this.connected = false;
    this.wanted = new Map(); // "quotes|AAPL" -> count of views that want it
    this.state = new Map(); // "quotes|AAPL" -> merged latest state
    this.attempt = 0;
    this.timer = null;
    this.stopped = true;
  }

  start() {
    this.stopped = false;
    if (!this.ws) this.open();
  }

  stop() {
    this.stopped = true;
    clearTimeout(this.timer);
    if (this.ws) this.ws.close(1000, "bye");
    this.ws = null;
    this.setConnected(false);
    this.state.clear();
  }

  open() {
    const token = getToken();
    if (!token || this.stopped) return;
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const ws = new WebSocket(`${scheme}://${location.host}/v1/stream`);
    this.ws = ws;
    ws.onopen = () => ws.send(JSON.stringify({ action: "auth", token }));
    ws.onmessage = (e) => this.onFrame(e.data);
    ws.onclose = () => {
      if (this.ws !== ws) return;
      this.ws = null;
      this.setConnected(false);
      this.retry();
    };
    ws.onerror = () => {}; // onclose follows and schedules the retry
  }

  retry() {
    if (this.stopped) return;
    const ceiling = Math.min(BACKOFF_MS_MAX, BACKOFF_MS_MIN * 2 ** this.attempt++);
    // Full jitter, so many tabs do not reconnect in step after a server restart.
    this.timer = setTimeout(() => this.open(), ceiling / 2 + Math.random() * ceiling / 2);
  }

  setConnected(value) {
    if (this.connected === value) return;
    this.connected = value;
    this.emit("status", { connected: value });
  }

  emit(type, detail) {
    this.dispatchEvent(new CustomEvent(type, { detail }));
  }

  onFrame(text) {
    let items;
    try { items = JSON.parse(text); } catch { return; }
    for (const msg of Array.isArray(items) ? items : [items]) this.onMessage(msg);
  }

  onMessage(msg) {
    switch (msg.type) {
      case "welcome":
        this.attempt = 0;
        this.setConnected(true);
        this.send("subscribe", [...this.wanted.keys()]);
        break;
      case "md":
      case "snapshot":
        this.onMarket(msg);
        break;
      case "fill":
      case "order":
      case "notification":
        this.emit(msg.type, msg);
        break;
      case "error":
        // A refused login will not get better by retrying: stop, and let the app sign out.
        if (!this.connected && msg.code === "UNAUTHORIZED") {
          this.stopped = true;
          window.dispatchEvent(new CustomEvent("auth:lost"));
        }
        break;
      default:
        break;
    }
  }

  onMarket(msg) {
    for (const kind of ["quotes", "depth", "status"]) {
      for (const [symbol, change] of Object.entries(msg[kind] || {})) {
        const data = this.merge(`${kind}|${symbol}`, change, msg.type === "snapshot");
        this.emit(kind === "quotes" ? "quote" : kind, { symbol, data });
      }
    }
    for (const [interval, bySymbol] of Object.entries(msg.bars || {})) {
      for (const [symbol, change] of Object.entries(bySymbol)) {
        const data = this.merge(`bars.${interval}|${symbol}`, change, msg.type === "snapshot");
        this.emit("bar", { interval, symbol, data });
      }
    }
    for (const [symbol, prints] of Object.entries(msg.trades || {})) {
      this.emit("trades", { symbol, prints: Array.isArray(prints) ? prints : [prints] });
    }
  }

  merge(key, change, whole) {
    const next = whole ? { ...change } : { ...(this.state.get(key) || {}), ...change };
    for (const [k, v] of Object.entries(change)) if (v === null) delete next[k];
    this.state.set(key, next);
    return next;
  }

  // Keys are "stream|SYMBOL", stream one of quotes, trades, depth, status, bars.<interval>.
  send(action, keys) {
    if (!keys.length || !this.ws || this.ws.readyState !== WebSocket.OPEN) return;
    const body = { action };
    for (const key of keys) {
      const [stream, symbol] = key.split("|");
      if (stream.startsWith("bars.")) {
        body.bars = body.bars || {};
        (body.bars[stream.slice(5)] = body.bars[stream.slice(5)] || []).push(symbol);
      } else {
        (body[stream] = body[stream] || []).push(symbol);
      }
    }
    this.ws.send(JSON.stringify(body));
  }

  // Subscribe for one view; returns the function that undoes it.
  watch(keys) {
    const fresh = [];
    for (const key of keys) {
      const n = this.wanted.get(key) || 0;
      this.wanted.set(key, n + 1);
      if (n === 0) fresh.push(key);
    }
    if (this.connected) this.send("subscribe", fresh);
    return () => {
      const gone = [];
      for (const key of keys) {
        const n = (this.wanted.get(key) || 1) - 1;
        if (n === 0) {
          this.wanted.delete(key);
          this.state.delete(key);
          gone.push(key);
        } else {
          this.wanted.set(key, n);
        }
      }
      if (this.connected) this.send("unsubscribe", gone);
    };
  }

  // Listen to an event type; returns the function that removes the listener.
  on(type, handler) {
    const wrapped = (e) => handler(e.detail);
    this.addEventListener(type, wrapped);
    return () => this.removeEventListener(type, wrapped);
  }
}

export const stream = new Stream();
