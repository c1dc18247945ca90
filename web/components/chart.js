// Thin wrappers over TradingView Lightweight Charts (vendored, global `LightweightCharts`).
// The attribution logo stays on: the library's license asks for the link to TradingView.
// Chart values are floats: for drawing only, never for money arithmetic.

const THEME = {
  layout: { background: { type: "solid", color: "#171b21" }, textColor: "#c9d1db",
            attributionLogo: true },
  grid: { vertLines: { color: "#232a33" }, horzLines: { color: "#232a33" } },
  rightPriceScale: { borderColor: "#2c333d" },
  timeScale: { borderColor: "#2c333d", timeVisible: true, secondsVisible: false },
  autoSize: true,
};

function lib() {
  return window.LightweightCharts || null;
}

export function toTime(iso) {
  return Math.floor(new Date(iso).getTime() / 1000);
}

// Candles with volume underneath. `update(bar)` takes the API's bar shape.
export function candleChart(el) {
  const L = lib();
  if (!L) return null;
  const chart = L.createChart(el, THEME);
  const candles = chart.addSeries(L.CandlestickSeries, {
    upColor: "#3ccf8e", downColor: "#ff6b6b", borderVisible: false,
    wickUpColor: "#3ccf8e", wickDownColor: "#ff6b6b" });
  const volume = chart.addSeries(L.HistogramSeries, {
    priceScaleId: "", priceFormat: { type: "volume" }, color: "#3b4a5e", lastValueVisible: false,
    priceLineVisible: false });
  // Volume takes the bottom fifth; candles keep clear of it.
  chart.priceScale("").applyOptions({ scaleMargins: { top: 0.8, bottom: 0 } });
  chart.priceScale("right").applyOptions({ scaleMargins: { top: 0.08, bottom: 0.25 } });
  // Leave room right of the live bar, so a new session's first bars are not at the edge.
  chart.timeScale().applyOptions({ rightOffset: 6, barSpacing: 10 });
  let count = 0;
  let disposed = false; // late answers (a fetch finishing after the view left) are dropped
  const point = (b) => ({ time: toTime(b.start), open: +b.open, high: +b.high, low: +b.low,
                          close: +b.close });
  const vol = (b) => ({ time: toTime(b.start), value: +b.volume || 0,
                        color: +b.close >= +b.open ? "#1f5e45" : "#6a2a2d" });
  return {
    chart,
    get count() { return count; },
    set(bars) {
      if (disposed) return;
      const clean = dedupe(bars.map((b) => [point(b), vol(b)]));
      candles.setData(clean.map(([c]) => c));
      volume.setData(clean.map(([, v]) => v));
      count = clean.length;
      // Fitting a handful of bars would stretch each across the chart: keep normal widths.
      if (count > 80) chart.timeScale().fitContent();
      else chart.timeScale().scrollToRealTime();
    },
    update(bar) {
      if (disposed) return;
      const p = point(bar);
      const last = candles.data().at(-1);
      if (last && p.time < last.time) return; // an older bar: the chart only appends
      candles.update(p);
      volume.update(vol(bar));
      if (!last || p.time > last.time) count += 1;
    },
    remove() { disposed = true; chart.remove(); },
  };
}

// One line (portfolio value over time).
export function lineChart(el) {
  const L = lib();
  if (!L) return null;
  const chart = L.createChart(el, { ...THEME, handleScroll: false, handleScale: false });
  const line = chart.addSeries(L.AreaSeries, {
    lineColor: "#5aa9ff", topColor: "rgba(90,169,255,.35)", bottomColor: "rgba(90,169,255,0)",
    lineWidth: 2 });
  let disposed = false;
  return {
    chart,
    set(points) {
      if (disposed) return;
      line.setData(dedupe(points.map((p) => [{ time: p.time, value: +p.value }])).map(([x]) => x));
      chart.timeScale().fitContent();
    },
    remove() { disposed = true; chart.remove(); },
  };
}

// The library needs strictly increasing times: keep the last point of each time.
function dedupe(rows) {
  const byTime = new Map();
  for (const row of rows) byTime.set(row[0].time, row);
  return [...byTime.values()].sort((a, b) => a[0].time - b[0].time);
}
