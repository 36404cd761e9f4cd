// Jobs page: a live list (polled every 2 s), filters, and bulk retry / cancel / delete.
import { $, api, describe, duration, el, every, fillCollections, jobName, notify, param, setParams, showError, stateBadge, stateLabel, when } from "../components/common.js";

const selected = new Set();
const rows = new Map(); // job id -> {tr, parts}
let shown = [];
let limit = 50;
let names = new Map();

function filters() {
  return { state: $("#f-state").value, collection: $("#f-collection").value, review: $("#f-review").value, q: $("#f-q").value.trim() };
}

function query() {
  const f = filters();
  const p = new URLSearchParams({ limit: String(limit) });
  if (f.state === "no_speech") { p.set("state", "completed"); p.set("speech", "none"); } // completed, nothing said
  else if (f.state) p.set("state", f.state);
  if (f.collection) p.set("collection_id", f.collection);
  if (f.q) p.set("q", f.q);
  if (f.review) p.set("review_status", f.review);
  return `jobs?${p}`;
}

function noSpeech(job) {
  return job.state === "completed" && Boolean(job.facts && job.facts.quality && job.facts.quality.no_speech);
}

function stageText(job) {
  if (noSpeech(job)) return `no speech found · done in ${duration(totalSeconds(job))}`;
  if (job.state === "completed") return `done in ${duration(totalSeconds(job))}`;
  if (job.state === "failed") return job.error ? `${job.failed_stage || "failed"}: ${job.error}` : "failed";
  if (job.state === "cancelled") return "cancelled";
  const running = job.stages.find((s) => s.state === "running");
  if (running) return `${stateLabel(job.state)} · ${Math.round(running.progress * 100)} %`;
  return job.state === "queued" ? "waiting for a worker" : stateLabel(job.state);
}

function totalSeconds(job) {
  if (!job.completed_at) return null;
  return (new Date(job.completed_at) - new Date(job.created_at)) / 1000;
}

function makeRow(job) {
  const box = el("input", { type: "checkbox", "aria-label": `Select ${jobName(job)}` });
  box.addEventListener("change", () => { if (box.checked) selected.add(job.id); else selected.delete(job.id); syncSelection(); });
  const link = el("a", { href: `/jobs/${job.id}` });
  const sub = el("span", { class: "cell-sub" });
  const state = el("span");
  const review = el("span");
  const bar = el("span");
  const progress = el("div", { class: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100 }, bar);
  const stage = el("span", { class: "cell-sub" });
  const audio = el("td", { class: "num hide-narrow" });
  const added = el("td", { class: "hide-narrow" });
  const tr = el("tr", { dataset: { jobId: job.id } },
    el("td", {}, box), el("td", {}, link, sub), el("td", {}, state), el("td", { class: "review" }, review), el("td", {}, progress, stage), audio, added);
  return { tr, parts: { box, link, sub, state, review, bar, progress, stage, audio, added } };
}

function update(row, job) {
  const p = row.parts;
  p.box.checked = selected.has(job.id);
  p.link.textContent = jobName(job);
  const extra = [job.title ? job.filename : null, job.collection_id ? names.get(job.collection_id) : null, job.lesson_number ? `lesson ${job.lesson_number}` : null, job.priority !== "normal" ? `${job.priority} priority` : null];
  p.sub.textContent = extra.filter(Boolean).join(" · ");
  const shownState = noSpeech(job) ? "no_speech" : job.state;
  if (p.state.dataset.state !== shownState) {
    p.state.dataset.state = shownState;
    p.state.replaceChildren(stateBadge(job.state), noSpeech(job) ? el("span", { class: "badge state-no-speech" }, "no speech") : "");
  }
  const reviewKey = `${job.review_status}|${job.reviewed_by || ""}`;
  if (p.review.dataset.key !== reviewKey) {
    p.review.dataset.key = reviewKey;
    p.review.replaceChildren(reviewBadge(job));
  }
  const pct = Math.round(job.progress * 100);
  p.bar.style.width = `${pct}%`;
  p.progress.setAttribute("aria-valuenow", String(pct));
  p.progress.setAttribute("aria-label", `${jobName(job)}: ${pct} %`);
  p.progress.classList.toggle("done", job.state === "completed");
  p.progress.classList.toggle("bad", job.state === "failed");
  p.stage.textContent = stageText(job);
  p.audio.textContent = job.audio_duration ? duration(job.audio_duration) : "—";
  p.added.textContent = when(job.created_at);
}

const REVIEW = { draft: "Draft", in_review: "In review", approved: "Approved" };

function reviewBadge(job) {
  const status = job.review_status || "draft";
  const title = job.reviewed_by ? `${REVIEW[status]} by ${job.reviewed_by}, ${when(job.reviewed_at)}` : REVIEW[status];
  return el("span", { class: `review-badge review-${status}`, title }, REVIEW[status] || status);
}

async function refresh() {
  const page = await api(query());
  shown = page.jobs;
  const order = shown.map((j) => j.id);
  for (const job of shown) {
    if (!rows.has(job.id)) rows.set(job.id, makeRow(job));
    update(rows.get(job.id), job);
  }
  for (const id of rows.keys()) if (!order.includes(id)) rows.delete(id);
  const body = $("#jobs-body");
  const current = Array.from(body.children).map((tr) => tr.dataset.jobId);
  if (current.join() !== order.join()) body.replaceChildren(...order.map((id) => rows.get(id).tr));
  for (const id of Array.from(selected)) if (!rows.has(id)) selected.delete(id);
  $("#jobs-empty").hidden = shown.length > 0;
  $("#more").hidden = !page.next_cursor;
  $("#jobs-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
  syncSelection();
}

function syncSelection() {
  const n = selected.size;
  $("#selected-count").textContent = n ? `${n} selected` : "No jobs selected";
  for (const id of ["#bulk-retry", "#bulk-cancel", "#bulk-delete"]) $(id).disabled = n === 0;
  const all = $("#select-all");
  all.checked = shown.length > 0 && shown.every((j) => selected.has(j.id));
  all.indeterminate = n > 0 && !all.checked;
}

async function bulk(verb, call) {
  const ids = Array.from(selected);
  const failures = [];
  for (const id of ids) {
    try { await call(id); } catch (error) { failures.push(`${jobName(shown.find((j) => j.id === id) || { id })}: ${describe(error)}`); }
  }
  const done = ids.length - failures.length;
  if (failures.length) notify(`${verb} ${done} of ${ids.length}. ${failures.join(" ")}`, "error");
  else notify(`${verb} ${done} job${done === 1 ? "" : "s"}.`, "success");
  if (verb === "Deleted") selected.clear();
  await refresh().catch(showError);
}

function onFilter() {
  const f = filters();
  setParams(f);
  limit = 50;
  refresh().catch(showError);
}

async function start() {
  $("#f-state").value = param("state");
  $("#f-q").value = param("q");
  $("#f-review").value = param("review");
  $("#f-review").addEventListener("change", onFilter);
  try {
    const list = await fillCollections($("#f-collection"), param("collection"));
    names = new Map(list.map((c) => [c.id, c.name]));
  } catch (error) { showError(error); }
  $("#f-state").addEventListener("change", onFilter);
  $("#f-collection").addEventListener("change", onFilter);
  let typing = null;
  $("#f-q").addEventListener("input", () => { clearTimeout(typing); typing = setTimeout(onFilter, 300); });
  $("#filters").addEventListener("submit", (e) => { e.preventDefault(); onFilter(); });
  $("#select-all").addEventListener("change", (e) => {
    for (const job of shown) { if (e.target.checked) selected.add(job.id); else selected.delete(job.id); }
    for (const [id, row] of rows) row.parts.box.checked = selected.has(id);
    syncSelection();
  });
  $("#bulk-retry").addEventListener("click", () => bulk("Retried", (id) => api(`jobs/${id}/retry`, { method: "POST" })));
  $("#bulk-cancel").addEventListener("click", () => bulk("Cancelled", (id) => api(`jobs/${id}/cancel`, { method: "POST" })));
  $("#bulk-delete").addEventListener("click", () => {
    const n = selected.size;
    if (window.confirm(`Delete ${n} job${n === 1 ? "" : "s"} with every transcript and file? This cannot be undone.`)) {
      bulk("Deleted", (id) => api(`jobs/${id}`, { method: "DELETE" }));
    }
  });
  $("#more").addEventListener("click", () => { limit += 50; refresh().catch(showError); });
  every(2000, refresh);
}

start();
