// A small SVG chart helper: horizontal bars, columns (grouped or stacked), lines, a timeline.
// Each chart renders at its container's width (re-rendered on resize), carries a text summary
// for screen readers and a hidden data table.

const NS = "http://www.w3.org/2000/svg";
const FONT = 12;

function s(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

function h(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) if (v !== undefined && v !== null) node.setAttribute(k, String(v));
  for (const c of children) if (c !== null && c !== undefined) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
}

/** A round upper bound and tick step for values up to `max`. */
export function scale(max, count = 4) {
  if (!(max > 0)) return { top: 1, step: 0.25 };
  const raw = max / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * mag).find((m) => m >= raw);
  return { top: step * Math.ceil(max / step), step };
}

/** 1234 → "1234", 2.5 → "2.5", 0.0042 → "0.0042": enough digits to tell ticks apart. */
export const plain = (v) => (Math.abs(v) >= 100 || Number.isInteger(v) ? String(Math.round(v)) : String(Number(v.toPrecision(2))));

function table(title, head, rows) {
  // A wrapper, not the table, is visually hidden: a table does not shrink to 1 px.
  return h("div", { class: "sr-only" }, h("table", {},
    h("caption", {}, title),
    h("thead", {}, h("tr", {}, ...head.map((x) => h("th", { scope: "col" }, x)))),
    h("tbody", {}, ...rows.map((r) => h("tr", {}, ...r.map((x, i) => (i ? h("td", {}, x) : h("th", { scope: "row" }, x))))))));
}

function legend(series) {
  if (series.length < 2) return null;
  return h("ul", { class: "legend" }, ...series.map((x) => {
    const dot = h("span", { class: "swatch", "aria-hidden": "true" });
    dot.style.background = x.color;
    return h("li", {}, dot, x.name);
  }));
}

function frame(target, spec, draw) {
  const paint = () => {
    const width = Math.max(260, Math.floor(target.clientWidth || 600));
    const figure = h("figure", { class: "chart" });
    if (spec.title) figure.append(h("figcaption", {}, spec.title));
    if (spec.empty) {
      figure.append(h("p", { class: "muted" }, spec.emptyText || "No data yet."));
    } else {
      draw(figure, width);
    }
    target.replaceChildren(figure);
  };
  paint();
  if (target._chartObserver) target._chartObserver.disconnect();
  let last = target.clientWidth;
  const observer = new ResizeObserver(() => {
    if (Math.abs(target.clientWidth - last) > 8) { last = target.clientWidth; paint(); }
  });
  observer.observe(target);
  target._chartObserver = observer;
}

/** Horizontal bars: items [{label, value, color, note}]. */
export function barChart(target, { items, title, format = plain, color = "#1d4ed8" }) {
  frame(target, { title, empty: !items.length }, (figure, width) => {
    const row = 28;
    const longest = Math.max(...items.map((i) => String(i.label).length));
    const labelW = Math.min(Math.round(width * 0.4), Math.round(longest * 7.6) + 16);
    const valueW = 56;
    const plotW = width - labelW - valueW;
    const { top } = scale(Math.max(...items.map((i) => i.value)));
    const height = items.length * row + 4;
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title || "Bar chart"}: ${items.map((i) => `${i.label} ${format(i.value)}`).join(", ")}` });
    items.forEach((item, n) => {
      const y = n * row + 4;
      const w = Math.max(2, (item.value / top) * plotW);
      const g = s("g", { class: "bar" });
      g.append(s("title", {}, `${item.label}: ${format(item.value)}${item.note ? ` (${item.note})` : ""}`));
      g.append(s("text", { x: labelW - 8, y: y + row / 2, "text-anchor": "end", "dominant-baseline": "middle", "font-size": FONT, class: "label" }, truncate(String(item.label), Math.floor((labelW - 12) / 7.6))));
      g.append(s("rect", { x: labelW, y: y + 4, width: w, height: row - 10, rx: 3, fill: item.color || color }));
      g.append(s("text", { x: labelW + w + 6, y: y + row / 2, "dominant-baseline": "middle", "font-size": FONT, class: "value" }, format(item.value)));
      svg.append(g);
    });
    figure.append(svg, table(title || "Values", ["Item", "Value"], items.map((i) => [i.label, format(i.value)])));
  });
}

function truncate(text, n) {
  return text.length > n ? `${text.slice(0, Math.max(1, n - 1))}…` : text;
}

function axes(svg, { width, height, m, top, step, format, labels, xFormat }) {
  const plotH = height - m.t - m.b;
  for (let v = 0; v <= top + 1e-9; v += step) {
    const y = m.t + plotH - (v / top) * plotH;
    svg.append(s("line", { x1: m.l, x2: width - m.r, y1: y, y2: y, class: v ? "grid" : "axis" }));
    svg.append(s("text", { x: m.l - 6, y, "text-anchor": "end", "dominant-baseline": "middle", "font-size": FONT - 1, class: "tick" }, format(v)));
  }
  const plotW = width - m.l - m.r;
  const every = Math.max(1, Math.ceil(labels.length / Math.max(1, plotW / 56)));
  labels.forEach((label, i) => {
    if (i % every) return;
    const x = m.l + (i + 0.5) * (plotW / labels.length);
    svg.append(s("text", { x, y: height - m.b + 16, "text-anchor": "middle", "font-size": FONT - 1, class: "tick" }, xFormat(label)));
  });
}

/** Columns per category: series [{name, color, values}], grouped or stacked. */
export function columnChart(target, { labels, series, title, stacked = false, format = plain, xFormat = (x) => x, height = 220 }) {
  const empty = !labels.length || series.every((x) => x.values.every((v) => !v));
  frame(target, { title, empty }, (figure, width) => {
    const m = { t: 10, r: 8, b: 26, l: 44 };
    const totals = labels.map((_, i) => (stacked ? series.reduce((a, x) => a + (x.values[i] || 0), 0) : Math.max(...series.map((x) => x.values[i] || 0))));
    const { top, step } = scale(Math.max(...totals));
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title || "Column chart"}, ${labels.length} points` });
    axes(svg, { width, height, m, top, step, format, labels, xFormat });
    const plotW = width - m.l - m.r;
    const plotH = height - m.t - m.b;
    const group = plotW / labels.length;
    const barW = stacked ? group * 0.7 : (group * 0.8) / series.length;
    labels.forEach((label, i) => {
      let base = 0;
      series.forEach((x, k) => {
        const v = x.values[i] || 0;
        if (!v) return;
        const hgt = (v / top) * plotH;
        const left = m.l + i * group + (stacked ? group * 0.15 : group * 0.1 + k * barW);
        const y = m.t + plotH - hgt - (stacked ? (base / top) * plotH : 0);
        const rect = s("rect", { x: left, y, width: Math.max(1, barW - 1), height: Math.max(1, hgt), fill: x.color });
        rect.append(s("title", {}, `${xFormat(label)} · ${x.name}: ${format(v)}`));
        svg.append(rect);
        base += v;
      });
    });
    figure.append(svg, legend(series) || "", table(title || "Values", ["", ...series.map((x) => x.name)], labels.map((l, i) => [xFormat(l), ...series.map((x) => format(x.values[i] || 0))])));
  });
}

/** Lines per category: series [{name, color, values}] (null values leave a gap). */
export function lineChart(target, { labels, series, title, format = plain, xFormat = (x) => x, height = 200 }) {
  const empty = !labels.length || series.every((x) => x.values.every((v) => v === null || v === undefined));
  frame(target, { title, empty }, (figure, width) => {
    const m = { t: 10, r: 8, b: 26, l: 44 };
    const { top, step } = scale(Math.max(...series.flatMap((x) => x.values.filter((v) => v !== null))));
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title || "Line chart"}, ${labels.length} points` });
    axes(svg, { width, height, m, top, step, format, labels, xFormat });
    const plotW = width - m.l - m.r;
    const plotH = height - m.t - m.b;
    const xAt = (i) => m.l + (i + 0.5) * (plotW / labels.length);
    const yAt = (v) => m.t + plotH - (v / top) * plotH;
    for (const x of series) {
      let path = "";
      let pen = false;
      x.values.forEach((v, i) => {
        if (v === null || v === undefined) { pen = false; return; }
        path += `${pen ? "L" : "M"}${xAt(i).toFixed(1)},${yAt(v).toFixed(1)}`;
        pen = true;
      });
      svg.append(s("path", { d: path, fill: "none", stroke: x.color, "stroke-width": 2 }));
      x.values.forEach((v, i) => {
        if (v === null || v === undefined) return;
        const dot = s("circle", { cx: xAt(i), cy: yAt(v), r: 3, fill: x.color });
        dot.append(s("title", {}, `${xFormat(labels[i])} · ${x.name}: ${format(v)}`));
        svg.append(dot);
      });
    }
    figure.append(svg, legend(series) || "", table(title || "Values", ["", ...series.map((x) => x.name)], labels.map((l, i) => [xFormat(l), ...series.map((x) => (x.values[i] === null ? "—" : format(x.values[i])))])));
  });
}

/** A timeline: rows [{label, start, end, color, note}] in seconds from 0 to `total`. */
export function timeline(target, { rows, total, title, format = plain }) {
  frame(target, { title, empty: !rows.length || !(total > 0) }, (figure, width) => {
    const row = 26;
    const labelW = 92;
    const plotW = width - labelW - 8;
    const height = rows.length * row + 22;
    const svg = s("svg", { width, height, viewBox: `0 0 ${width} ${height}`, role: "img", "aria-label": `${title || "Timeline"}: ${rows.map((r) => `${r.label} ${r.note || ""}`).join(", ")}` });
    const { top, step } = scale(total, Math.max(2, Math.floor(plotW / 90)));
    for (let v = 0; v <= top + 1e-9; v += step) {
      const x = labelW + (v / top) * plotW;
      svg.append(s("line", { x1: x, x2: x, y1: 0, y2: rows.length * row, class: v ? "grid" : "axis" }));
      svg.append(s("text", { x, y: rows.length * row + 15, "text-anchor": "middle", "font-size": FONT - 1, class: "tick" }, format(v)));
    }
    rows.forEach((r, i) => {
      const y = i * row;
      const x = labelW + (r.start / top) * plotW;
      const w = Math.max(2, ((r.end - r.start) / top) * plotW);
      const g = s("g", {});
      g.append(s("title", {}, `${r.label}: ${r.note || ""}`));
      g.append(s("text", { x: labelW - 8, y: y + row / 2, "text-anchor": "end", "dominant-baseline": "middle", "font-size": FONT, class: "label" }, r.label));
      g.append(s("rect", { x, y: y + 5, width: w, height: row - 10, rx: 3, fill: r.color }));
      svg.append(g);
    });
    figure.append(svg, table(title || "Timeline", ["Step", "From", "To", "Note"], rows.map((r) => [r.label, format(r.start), format(r.end), r.note || ""])));
  });
}
