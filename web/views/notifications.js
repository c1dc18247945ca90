// Notifications (fills, alerts, halts): the server's list when it keeps one, plus what this
// tab received live.
import * as F from "../format.js";
import { session, noteTitle } from "../session.js";
import { h, replace, table } from "../components/dom.js";

export async function render(main) {
  const box = h("div", { id: "notifications" });
  main.append(h("h1", {}, "Notifications"), h("section", { class: "panel" }, box));
  const draw = () => replace(box, table(["Time", "Kind", "Title", "Detail"], session.notifications.map((n) =>
    h("tr", { dataset: { kind: String(n.kind || "other") } },
      h("td", {}, F.time(n.created_at || n.ts)), h("td", {}, F.label(n.kind || "other")),
      h("td", { style: "white-space: normal" }, noteTitle(n)),
      h("td", { style: "white-space: normal" }, n.body || dataText(n.data)))),
    { empty: "No notifications yet.", stack: true }));
  await session.loadNotifications();
  session.markRead();
  draw();
  return session.on((what) => {
    if (what === "notifications") { draw(); if (session.unread) session.markRead(); }
  });
}

// A notification without a body still says something: its data's plain fields.
function dataText(data) {
  if (!data || typeof data !== "object") return "";
  return Object.entries(data).filter(([, v]) => v !== null && v !== undefined && typeof v !== "object")
    .map(([k, v]) => `${F.label(k)}: ${v}`).join(", ");
}
