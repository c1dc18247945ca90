// A price cell that flashes green or red when the value moves (compared exactly, as decimals).
import * as D from "../decimal.js";
import * as F from "../format.js";

export function setPrice(el, value) {
  const before = el.dataset.value;
  el.textContent = F.price(value);
  if (!D.isDecimal(value)) return;
  el.dataset.value = value;
  if (!D.isDecimal(before)) return;
  const move = D.cmp(value, before);
  if (move === 0) return;
  el.classList.remove("flash-up", "flash-down");
  void el.offsetWidth; // restart the animation on a second move in a row
  el.classList.add(move > 0 ? "flash-up" : "flash-down");
  el.dataset.dir = move > 0 ? "up" : "down";
}
