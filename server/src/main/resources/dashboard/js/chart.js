// Line charts on uPlot (vendored from its WebJar), with exponential-moving-average smoothing as
// OpenAI's and TensorBoard's dashboards do. Points may be missing (null) in any series.

const COLORS = ['#2563eb', '#dc2626', '#16a34a', '#9333ea', '#ea580c', '#0891b2', '#be185d', '#4d7c0f'];

export function color(i) { return COLORS[i % COLORS.length]; }

/** TensorBoard's debiased EMA over the non-null values; `weight` in [0, 1). */
export function smooth(values, weight) {
  if (!weight) return values.slice();
  const out = new Array(values.length);
  let last = 0, n = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null || v === undefined || !isFinite(v)) { out[i] = null; continue; }
    last = last * weight + (1 - weight) * v;
    n++;
    out[i] = last / (1 - Math.pow(weight, n));
  }
  return out;
}

/**
 * A chart in `el`: x = steps, `series` = [{label, values, stroke?, dash?, width?, points?}] aligned
 * with x (`points`: draw dots, for sparse series; true or a size in px). Returns
 * {update(x, series), setSmoothing(w), destroy(), points()}.
 */
export function lineChart(el, { title, x = [], series = [], smoothing = 0, height = 220 }) {
  let weight = smoothing;
  let raw = { x, series };
  const width = () => Math.max(280, Math.floor(el.getBoundingClientRect().width || 600));
  const opts = {
    title,
    width: width(),
    height,
    scales: { x: { time: false } },
    // whole steps only on the x axis
    axes: [{ label: 'step', incrs: [1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 2000, 2500, 5000, 10000, 20000, 50000, 100000] }, {}],
    series: [{ label: 'step' }, ...series.map((s, i) => ({
      label: s.label, stroke: s.stroke || color(i), width: s.width ?? 1.5, dash: s.dash,
      spanGaps: true, points: s.points ? { show: true, size: s.points === true ? 6 : s.points } : { show: false },
    }))],
  };
  const data = () => [raw.x, ...raw.series.map((s) => smooth(s.values, weight))];
  const plot = new window.uPlot(opts, data(), el);
  el.dataset.points = String(raw.x.length);
  el.dataset.series = String(series.length);
  const onResize = () => plot.setSize({ width: width(), height });
  window.addEventListener('resize', onResize);
  return {
    update(newX, newSeries) {
      raw = { x: newX, series: newSeries };
      plot.setData(data());
      el.dataset.points = String(newX.length);
    },
    setSmoothing(w) { weight = w; plot.setData(data()); },
    destroy() { window.removeEventListener('resize', onResize); plot.destroy(); },
    points() { return raw.x.length; },
  };
}
