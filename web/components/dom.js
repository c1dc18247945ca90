// A tiny element builder: h("button", {class: "primary", onclick}, "Buy"). Text is always set
// as text (never innerHTML), so server strings cannot inject markup.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") el.addEventListener(key.slice(2), value);
    else if (key === "class") el.className = value;
    else if (key === "dataset") Object.assign(el.dataset, value);
    else if (key === "value") el.value = value;
    else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === undefined || child === null || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

// A labelled form field; `input` is an element whose id is set here.
let ids = 0;
export function field(labelText, input, hint) {
  const id = input.id || `f${++ids}`;
  input.id = id;
  return h("div", { class: "field" }, h("label", { for: id }, labelText), input,
           hint ? h("small", { class: "hint" }, hint) : null);
}

export function select(name, options, value) {
  return h("select", { name },
    options.map(([v, text]) => h("option", { value: v, selected: v === value }, text)));
}

// `stack`: on phones each row becomes a card of "label: value" lines (labels from the
// headers), so wide tables need no sideways scrolling. Rows spanning all columns (details,
// edit forms) stay whole.
export function table(headers, rows, { caption, empty = "Nothing yet.", stack = false } = {}) {
  if (!rows.length) return h("p", { class: "empty" }, empty);
  // Headers follow their column: right-aligned over numeric cells, hidden with them on phones.
  const first = rows[0].children;
  const num = (i) => (first[i] ? ["num", "hide-phone"].filter((c) => first[i].classList.contains(c))
    .join(" ") || null : null);
  if (stack) {
    for (const tr of rows) {
      if (tr.children.length !== headers.length) continue;
      [...tr.children].forEach((td, i) => {
        const label = typeof headers[i] === "string" ? headers[i] : "";
        if (label && !td.dataset.label) td.dataset.label = label;
      });
    }
  }
  return h("div", { class: "table-wrap" },
    h("table", { class: stack ? "stack" : null },
      caption ? h("caption", {}, caption) : null,
      h("thead", {}, h("tr", {}, headers.map((x, i) => h("th", { scope: "col", class: num(i) }, x)))),
      h("tbody", {}, rows)));
}

export function errorText(err) {
  return err && err.message ? `${err.message}${err.code && err.status ? ` (${err.code})` : ""}`
    : String(err);
}
