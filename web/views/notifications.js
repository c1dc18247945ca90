// Notifications (fills, alerts, halts): the server's list when it keeps one, plus what this
// tab received live.
import * as F from "../format.js";
import { session } from "../session.js";
import { h, replace, table } from "../components/dom.js";

export async function render(main) {
  const box = h("div", { id: "notifications" });
  main.append(h("h1", {}, "Notifications"), h("section", { class: "panel" }, box));
  const draw = () => replace(box, table(["Time", "Kind", "Title", "Detail"], session.notifications.map((n) =>
    h("tr", {}, h("td", {}, F.time(n.created_at || n.ts)), h("td", {}, F.label(n.kind)), h("td", {}, n.title),
      h("td", { style: "white-space: normal" }, n.body || ""))), { empty: "No notifications yet." }));
  await session.loadNotifications();
  session.markRead();
  draw();
  return session.on((what) => {
    if (what === "notifications") { draw(); if (session.unread) session.markRead(); }
  });
}
