// The app shell: routes (History API paths; the server answers any page path with
// index.html), the header, banners, and the session-wide feeds.
import * as api from "./api.js";
import { stream } from "./stream.js";
import { session, startSessionFeeds } from "./session.js";
import { h, replace } from "./components/dom.js";
import { renderBanners } from "./components/banners.js";
import * as auth from "./views/auth.js";
import * as home from "./views/home.js";
import * as symbol from "./views/symbol.js";
import * as orders from "./views/orders.js";
import * as positions from "./views/positions.js";
import * as transfers from "./views/transfers.js";
import * as alerts from "./views/alerts.js";
import * as notifications from "./views/notifications.js";

const ROUTES = [
  [/^\/login$/, auth, false],
  [/^\/$/, home, true],
  [/^\/symbol\/([A-Za-z0-9.\-/]{1,24})$/, symbol, true],
  [/^\/orders(?:\/([0-9a-f-]{8,64}))?$/, orders, true],
  [/^\/positions$/, positions, true],
  [/^\/transfers$/, transfers, true],
  [/^\/alerts$/, alerts, true],
  [/^\/notifications$/, notifications, true],
];

let cleanup = null;
let visits = 0;

export function navigate(path, { replaceState = false } = {}) {
  if (path !== location.pathname) {
    if (replaceState) history.replaceState(null, "", path);
    else history.pushState(null, "", path);
  }
  route();
}

async function route() {
  const path = location.pathname;
  const match = ROUTES.map(([re, view, needsAuth]) => [re.exec(path), view, needsAuth])
    .find(([m]) => m);
  if (typeof cleanup === "function") cleanup();
  cleanup = null;
  const main = document.getElementById("main");
  if (!match) {
    replace(main, h("section", { class: "panel" }, h("h1", {}, "Not found"),
      h("p", {}, "There is no page here. ", h("a", { href: "/", "data-link": true }, "Go home"))));
    return;
  }
  const [m, view, needsAuth] = match;
  if (needsAuth && !session.signedIn) return navigate("/login", { replaceState: true });
  if (!needsAuth && session.signedIn) return navigate("/", { replaceState: true });
  showChrome(session.signedIn);
  for (const a of document.querySelectorAll("nav a")) {
    const href = a.getAttribute("href");
    const current = href === "/" ? path === "/" : path.startsWith(href);
    if (current) a.setAttribute("aria-current", "page");
    else a.removeAttribute("aria-current");
  }
  // Each visit renders into its own box: a slow page that finishes after the user moved on
  // fills a detached box and is cleaned up at once, instead of mixing into the next page.
  const seq = ++visits;
  const box = h("div");
  replace(main, box);
  try {
    const undo = await view.render(box, m.slice(1).map((x) => x && decodeURIComponent(x)));
    if (seq === visits) cleanup = undo;
    else if (typeof undo === "function") undo();
  } catch (err) {
    if (err.status === 401) return;
    box.append(h("p", { class: "error", role: "alert" }, `Could not load this page: ${err.message}`));
  }
}

function showChrome(signedIn) {
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("symbol-search").hidden = !signedIn;
  document.getElementById("nav-alerts").hidden = !api.has("/v1/alerts");
}

function updateUnread() {
  const badge = document.getElementById("unread");
  badge.hidden = session.unread === 0;
  badge.textContent = String(session.unread);
  badge.setAttribute("aria-label", `${session.unread} unread`);
}

export async function signedIn() {
  await session.refreshAccount();
  session.loadSamples();
  session.sample(session.portfolio.portfolio_value);
  stream.start();
  session.loadNotifications();
  session.refreshMarket();
}

function signOut() {
  api.setToken(null);
  stream.stop();
  session.account = session.portfolio = null;
  session.notifications = [];
  session.unread = 0;
  navigate("/login");
}

async function loadSymbols() {
  try {
    const assets = await api.get("/v1/assets");
    replace(document.getElementById("symbols"),
      assets.filter((a) => a.tradable).map((a) => h("option", { value: a.symbol }, a.name)));
  } catch { /* the search still accepts any symbol */ }
}

function wire() {
  document.addEventListener("click", (e) => {
    const a = e.target.closest("a[data-link]");
    if (!a || e.metaKey || e.ctrlKey || e.shiftKey || e.button !== 0) return;
    e.preventDefault();
    navigate(a.getAttribute("href"));
  });
  window.addEventListener("popstate", route);
  window.addEventListener("auth:lost", () => { if (session.signedIn) signOut(); });
  document.getElementById("logout").addEventListener("click", signOut);
  document.getElementById("symbol-search").addEventListener("submit", (e) => {
    e.preventDefault();
    const input = e.target.elements.symbol;
    const value = input.value.trim().toUpperCase();
    if (value) navigate(`/symbol/${encodeURIComponent(value)}`);
    input.value = "";
  });
  session.on((what) => {
    if (what === "notifications") updateUnread();
    if (what === "market" || what === "stream") renderBanners();
  });
}

async function main() {
  wire();
  await api.loadCapabilities();
  startSessionFeeds();
  loadSymbols();
  if (session.signedIn) {
    try { await signedIn(); } catch { api.setToken(null); }
  }
  route();
}

main();
