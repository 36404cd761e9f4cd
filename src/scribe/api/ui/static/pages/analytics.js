// Analytics page: jobs per day, audio hours, processing time and speed, failures, top terms.
import { barChart, columnChart, lineChart } from "../components/chart.js";
import { $, api, categoryColor, categoryLabel, duration, el, param, setParams, showError } from "../components/common.js";

const dayLabel = (iso) => new Date(`${iso}T00:00:00`).toLocaleDateString(undefined, { month: "short", day: "numeric" });

/** Every day of the period, so days without jobs show as zero rather than vanish. */
function allDays(days) {
  const out = [];
  const today = new Date();
  for (let i = days - 1; i >= 0; i -= 1) {
    const d = new Date(Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() - i));
    out.push(d.toISOString().slice(0, 10));
  }
  return out;
}

function byDay(rows, days) {
  const map = new Map(rows.map((r) => [r.day, r]));
  return days.map((d) => map.get(d) || { day: d });
}

async function load() {
  const days = Number($("#days").value);
  setParams({ days: days === 30 ? "" : String(days) });
  const data = await api(`analytics?days=${days}`);
  const labels = allDays(days);
  const jobs = byDay(data.jobs_per_day, labels);
  const sum = (key) => jobs.reduce((a, r) => a + (r[key] || 0), 0);
  const hours = byDay(data.audio_hours, labels);
  const processing = byDay(data.processing, labels);
  $("#totals").replaceChildren(
    ...[["Jobs added", sum("created")], ["Completed", sum("completed")], ["Failed", sum("failed")],
      ["Audio transcribed", duration(hours.reduce((a, r) => a + (r.hours || 0), 0) * 3600)]]
      .map(([k, v]) => el("div", {}, el("dt", {}, k), el("dd", {}, String(v)))));
  columnChart($("#chart-jobs"), {
    title: "Jobs per day", labels, xFormat: dayLabel,
    series: [
      { name: "Added", color: "#64748b", values: jobs.map((r) => r.created || 0) },
      { name: "Completed", color: "#047857", values: jobs.map((r) => r.completed || 0) },
      { name: "Failed", color: "#b91c1c", values: jobs.map((r) => r.failed || 0) },
    ],
  });
  const inHours = Math.max(0, ...hours.map((r) => r.hours || 0)) >= 1;
  columnChart($("#chart-hours"), {
    title: `${inHours ? "Hours" : "Minutes"} of audio transcribed per day`, labels, xFormat: dayLabel,
    series: [{ name: inHours ? "Hours" : "Minutes", color: "#1d4ed8", values: hours.map((r) => (r.hours || 0) * (inHours ? 1 : 60)) }],
  });
  lineChart($("#chart-seconds"), {
    title: "Mean time from upload to completed (seconds)", labels, xFormat: dayLabel,
    series: [{ name: "Seconds", color: "#7c3aed", values: processing.map((r) => r.mean_seconds ?? null) }],
  });
  lineChart($("#chart-rtf"), {
    title: "Mean real-time factor of transcription (lower is faster)", labels, xFormat: dayLabel,
    series: [{ name: "Real-time factor", color: "#0e7490", values: processing.map((r) => r.mean_rtf ?? null) }],
    format: (v) => v.toFixed(2),
  });
  barChart($("#chart-failures"), {
    title: "Why jobs failed",
    items: data.failure_reasons.map((r) => ({ label: r.reason, value: r.count, color: "#b91c1c" })),
    format: String,
  });
  const failures = $("#chart-failures figure");
  if (failures && !data.failure_reasons.length) failures.querySelector("p").textContent = "No failures in this period.";
  barChart($("#chart-terms"), {
    title: "Most said music terms",
    items: data.top_terms.map((t) => ({ label: t.term, value: t.count, color: categoryColor(t.category).strong, note: categoryLabel(t.category) })),
    format: String,
  });
}

if (param("days")) $("#days").value = param("days");
$("#days").addEventListener("change", () => load().catch(showError));
load().catch(showError);
