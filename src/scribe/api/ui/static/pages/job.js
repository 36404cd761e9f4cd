// Job page: player + transcript + terms, stage timeline, facts, downloads, edits and revisions.
import { timeline } from "../components/chart.js";
import { $, FINAL, api, categoryColor, categoryLabel, clock, describe, duration, el, every, jobName, notify, showError, stateBadge, stateLabel, when } from "../components/common.js";
import { renderFacts } from "../components/facts.js";
import { downloadBase } from "../components/names.js";
import { TranscriptView } from "../components/transcript.js";
import { installPlayerTools } from "../components/player-tools.js";
import { describeRevision, fetchTerms, fetchTranscript, isConflict, renderDiff, showConflict } from "../components/revisions.js";

const root = $("#job");
const jobId = root.dataset.jobId;
const AUDIO = /\.(mp3|wav|m4a|aac|flac|ogg|oga|opus|wma|aif|aiff)$/i;
let job = null;
let view = null;
let terms = { occurrences: [] };
let viewing = null; // a revision number while an older one is shown
let latest = 0; // the latest revision: every edit is made on it (sent as base_revision)
let stopPolling = null;
let collectionName = "";

function hashTime() {
  const m = /(?:^#|&)t=([\d.]+)/.exec(location.hash);
  return m ? Number(m[1]) : null;
}

function setupPlayer() {
  const audio = AUDIO.test(job.filename);
  const media = el(audio ? "audio" : "video", { controls: true, preload: "metadata", id: "player", "aria-label": `Recording of ${jobName(job)}` });
  media.src = `/api/v1/jobs/${jobId}/media`;
  if (!audio) media.setAttribute("playsinline", "");
  media.addEventListener("error", () => {
    const transcript = job && hasTranscript();
    $("#media-note").textContent = `This recording cannot be played here (the file may be gone or in a format this browser does not play).${transcript ? " The transcript still works." : ""}`;
  });
  $("#player-slot").replaceChildren(media);
  view = new TranscriptView({ media, box: $("#transcript"), resume: $("#resume"), onSave: saveEdit });
  installPlayerTools({ media, view, scope: $(".job-layout"), speed: $("#speed"), loop: $("#loop"), status: $("#player-status") });
}

function renderHead() {
  root.dataset.state = job.state;
  document.title = `${jobName(job)} · Scribe`;
  $("#job-title").textContent = jobName(job);
  $("#job-state").replaceChildren(stateBadge(job.state));
  const sub = [job.title ? job.filename : null, job.lesson_number ? `Lesson ${job.lesson_number}` : null, `added ${when(job.created_at)}`, job.source_url ? `from ${job.source_url}` : null];
  $("#job-sub").replaceChildren(sub.filter(Boolean).join(" · "));
  if (job.collection_id) {
    const link = el("a", { href: `/collections?id=${job.collection_id}` }, collectionName || "collection");
    $("#job-sub").append(" · ", link);
    if (!collectionName) {
      api(`collections/${job.collection_id}`).then((c) => { collectionName = c.name; link.textContent = c.name; }).catch(() => {});
    }
  }
  // Retry only where it can help: not for a file a worker found can never be decoded.
  const hopeless = job.state === "failed" && job.facts && job.facts.failure && job.facts.failure.retryable === false;
  $("#job-retry").hidden = !["failed", "cancelled"].includes(job.state) || hopeless;
  $("#job-cancel").hidden = FINAL.has(job.state);
  const problem = $("#job-problem");
  problem.hidden = job.state !== "failed";
  if (job.state === "failed") problem.textContent = `Failed${job.failed_stage ? ` while ${job.failed_stage === "terms" ? "finding terms" : `${job.failed_stage}ing`}` : ""}: ${job.error || "no reason was given"}.${hopeless ? " Retrying cannot fix this file; upload a playable copy instead." : ""}`;
  const running = $("#job-running");
  const rerun = Boolean(view && view.words.length);
  running.hidden = FINAL.has(job.state) || rerun; // no layout jump after a save
  $("#terms-status").textContent = rerun && !FINAL.has(job.state) ? "Finding the terms of the edited transcript again…" : "";
  if (!running.hidden) {
    const pct = Math.round(job.progress * 100);
    $("#run-bar").style.width = `${pct}%`;
    running.querySelector(".progress").setAttribute("aria-valuenow", String(pct));
    $("#run-text").textContent = view && view.words.length
      ? "Finding the music terms of the edited transcript again…"
      : `${stateLabel(job.state)} · ${pct} %. The transcript appears here when the job completes.`;
  }
}

function renderStages() {
  const t0 = new Date(job.created_at).getTime();
  const now = Date.now();
  const colors = { extract: "#0e7490", transcribe: "#1d4ed8", terms: "#7c3aed" };
  const rows = job.stages.filter((s) => s.started_at).map((s) => {
    const start = (new Date(s.started_at).getTime() - t0) / 1000;
    const end = ((s.finished_at ? new Date(s.finished_at).getTime() : now) - t0) / 1000;
    const secs = s.duration_seconds ?? end - start;
    return { label: s.stage, start, end, color: s.state === "failed" ? "#b91c1c" : colors[s.stage] || "#334155", note: `${duration(secs)}${s.attempts > 1 ? `, ${s.attempts} attempts` : ""}${s.state === "running" ? ", running" : ""}${s.error ? `, ${s.error}` : ""}` };
  });
  const total = job.completed_at ? (new Date(job.completed_at).getTime() - t0) / 1000 : Math.max(0, ...rows.map((r) => r.end));
  timeline($("#stages"), { rows, total, title: "Time since the job was added", format: (v) => `${v >= 10 ? Math.round(v) : v.toFixed(1)} s` });
  const parts = rows.map((r) => `${r.label} ${r.note}`);
  if (job.completed_at) parts.push(`${duration(total)} in all`);
  $("#stages-summary").textContent = parts.join(" · ");
}

function hasTranscript() {
  return job.stages.some((s) => s.stage === "transcribe" && s.state === "completed") && !["failed", "cancelled"].includes(job.state) && job.state !== "transcribing";
}

function renderDownloads() {
  const base = downloadBase(job); // named after the lesson, as the server names them
  const link = (href, label, file) => el("a", { class: "btn small ghost", href, download: file, dataset: { format: label.toLowerCase() } }, label);
  const done = hasTranscript();
  const rev = viewing !== null ? `&revision=${viewing}` : "";
  $("#downloads").replaceChildren(
    done ? el("p", { class: "label" }, viewing !== null ? `Transcript (revision ${viewing})` : "Transcript") : el("p", { class: "muted" }, "Transcripts can be downloaded once the job completes."),
    done ? el("div", { class: "downloads", id: "transcript-downloads" }, ["json", "txt", "srt", "vtt", "tsv"].map((f) => link(`/api/v1/jobs/${jobId}/transcript?format=${f}${rev}`, f.toUpperCase(), `${base}.${f}`))) : "",
    done ? el("p", { class: "label" }, "Music terms") : "",
    done ? el("div", { class: "downloads", id: "terms-downloads" }, ["json", "csv"].map((f) => link(`/api/v1/jobs/${jobId}/terms?format=${f}`, f.toUpperCase(), `${base}-terms.${f}`))) : "",
    el("p", { class: "label" }, "Recording"),
    el("div", { class: "downloads" }, link(`/api/v1/jobs/${jobId}/media`, "Original", job.filename)),
  );
}

// ---- terms panel ---------------------------------------------------------------------------

function renderTerms() {
  const occ = terms.occurrences || [];
  $("#terms-count").textContent = occ.length ? `${occ.length} mention${occ.length === 1 ? "" : "s"}` : "";
  const categories = [...new Set(occ.map((o) => o.category))].sort();
  $("#term-filters").replaceChildren(...categories.map((c) => {
    const { strong, tint } = categoryColor(c);
    const chip = el("button", { type: "button", class: "chip", "aria-pressed": view.hidden.has(c) ? "false" : "true" }, categoryLabel(c));
    chip.style.setProperty("--cat", strong);
    chip.style.setProperty("--cat-tint", tint);
    chip.addEventListener("click", () => {
      const on = chip.getAttribute("aria-pressed") === "true";
      chip.setAttribute("aria-pressed", String(!on));
      view.setCategoryHidden(c, on);
      renderTermList();
    });
    return chip;
  }));
  renderTermList();
}

function renderTermList() {
  const groups = new Map();
  for (const o of terms.occurrences || []) {
    if (view.hidden.has(o.category)) continue;
    const key = `${o.category}\u0000${o.term}`;
    if (!groups.has(key)) groups.set(key, { term: o.term, category: o.category, moments: [] });
    groups.get(key).moments.push(o);
  }
  const items = [...groups.values()].sort((a, b) => a.moments[0].start - b.moments[0].start);
  const list = $("#terms-list");
  if (!items.length) {
    list.replaceChildren(el("li", { class: "muted" }, job.state === "completed" ? "No music terms were found." : "Terms appear when the job completes."));
    return;
  }
  list.replaceChildren(...items.map((g) => {
    const { strong, tint } = categoryColor(g.category);
    const pill = el("span", { class: "cat" }, categoryLabel(g.category));
    pill.style.setProperty("--cat", strong);
    pill.style.setProperty("--cat-tint", tint);
    return el("li", { dataset: { term: g.term } },
      el("span", { class: "term-name" }, g.term), pill, el("small", { class: "muted" }, ` ×${g.moments.length}`),
      el("div", { class: "moments" }, g.moments.map((o) => el("button", {
        type: "button", class: "moment", title: o.context || o.text, "aria-label": `Play “${o.text}” at ${clock(o.start)}`,
        onclick: () => view.seek(o.start, { play: true }),
      }, clock(o.start)))));
  }));
}

// ---- transcript, edits and revisions -------------------------------------------------------

async function loadTranscript(revision = null) {
  const loaded = await fetchTranscript(jobId, revision);
  latest = loaded.latest;
  const transcript = loaded.transcript;
  terms = await fetchTerms(jobId, revision, latest); // the terms of the revision being read
  view.render(transcript, terms.occurrences, { readOnly: revision !== null });
  updateLowCount();
  renderTerms();
  const banner = $("#viewing");
  banner.hidden = revision === null;
  if (revision !== null) {
    banner.replaceChildren(el("span", {}, revision === 0 ? "You are reading the original transcript (read-only)." : `You are reading revision ${revision} (read-only).`),
      terms.missing ? el("small", {}, "The terms of this revision were not kept.") : "",
      el("button", { type: "button", class: "btn small ghost", onclick: () => restore(revision) }, `Restore revision ${revision}`),
      el("button", { type: "button", class: "btn small", onclick: () => showRevision(null) }, "Back to the latest"));
  }
}

async function showRevision(n) {
  viewing = n;
  try { await loadTranscript(n); } catch (error) { showError(error); }
  renderDownloads();
  await loadRevisions();
}

function author() {
  return $("#author").value.trim();
}

/** Save one edit as a new revision; returns whether it was saved. */
async function saveEdit(edit, before, revert) {
  const name = author();
  if (!name) {
    revert();
    notify("Type your name in “Your name for edits” first: every edit is saved with its author.", "error");
    $("#author").focus();
    return false;
  }
  localStorage.setItem("scribe.author", name);
  try {
    await api(`jobs/${jobId}/transcript/edits`, { method: "POST", json: { author: name, edits: [edit], base_revision: latest } });
  } catch (error) {
    revert();
    if (isConflict(error)) {
      // Someone saved first: show their text, keep this change to re-apply on it.
      await loadTranscript().catch(showError);
      await loadRevisions();
      showConflict($("#conflict"), error.body, edit, () => saveEdit(edit, before, () => {}));
      notify("Not saved: the transcript changed since you opened it. The newer text is shown.", "error");
      return false;
    }
    notify(`The edit was not saved: ${describe(error)}`, "error");
    return false;
  }
  $("#conflict").hidden = true;
  await loadTranscript().catch(showError);
  await loadRevisions();
  // The server recognises the terms of the edited transcript again; follow the job until then
  // (even if that is done before the next look, the terms are loaded again when it completes).
  job = { ...job, state: "recognizing_terms" };
  root.dataset.state = job.state;
  if (!stopPolling) stopPolling = every(2000, refreshJob);
  notify(edit.word !== undefined ? `Saved “${before}” → “${edit.text}”.` : "Saved the passage.", "success");
  return true;
}

async function loadRevisions() {
  let list;
  try { list = await api(`jobs/${jobId}/revisions`); } catch (error) {
    $("#revisions").replaceChildren(el("li", { class: "muted" }, `Revisions unavailable: ${describe(error)}`));
    return;
  }
  const newest = list.reduce((a, r) => Math.max(a, r.number), 0);
  $("#undo").hidden = newest === 0 || viewing !== null;
  $("#revisions").replaceChildren(...list.slice().reverse().map((r) => el("li", { dataset: { revision: String(r.number) } },
    el("strong", {}, `#${r.number}`),
    el("span", {}, describeRevision(r)),
    el("small", { class: "muted" }, when(r.created_at)),
    r.number === newest && viewing === null
      ? el("small", { class: "muted" }, "(shown)")
      : el("button", { type: "button", class: "linklike", onclick: () => showRevision(r.number === newest ? null : r.number), "aria-label": r.number ? `Read revision ${r.number}` : "Read the original transcript" }, "read"),
    r.number ? el("button", { type: "button", class: "linklike", onclick: () => renderDiff($("#revision-diff"), jobId, r.number - 1, r.number).catch(showError), "aria-label": `What revision ${r.number} changed` }, "changes") : "",
    r.number !== newest ? el("button", { type: "button", class: "linklike", onclick: () => restore(r.number), "aria-label": `Restore revision ${r.number}` }, "restore") : "")));
}

/** Save revision n again as the newest (undo: the one before the latest). */
async function restore(n, { undo = false } = {}) {
  const name = author();
  if (!name) { notify("Type your name in “Your name for edits” first: every edit is saved with its author.", "error"); $("#author").focus(); return; }
  try {
    await api(undo ? `jobs/${jobId}/revisions/undo` : `jobs/${jobId}/revisions/${n}/restore`, { method: "POST", json: { author: name, base_revision: latest } });
  } catch (error) {
    notify(isConflict(error) ? "Not done: the transcript changed since you opened it. The newer text is shown." : `Not done: ${describe(error)}`, "error");
    await showRevision(null);
    return;
  }
  viewing = null;
  await showRevision(null);
  job = { ...job, state: "recognizing_terms" };
  if (!stopPolling) stopPolling = every(2000, refreshJob);
  notify(undo ? "Undid the last save." : `Restored revision ${n} as a new revision.`, "success");
}

function updateLowCount() {
  const value = Number($("#threshold").value);
  $("#threshold-value").textContent = String(value);
  const low = view.shade(value / 100);
  $("#low-count").textContent = `${low} of ${view.words.length} words`;
}

// ---- the job itself ------------------------------------------------------------------------

async function refreshJob() {
  const before = job ? job.state : null;
  job = await api(`jobs/${jobId}`);
  renderHead();
  renderStages();
  renderFacts($("#facts"), job);
  if (before !== job.state) renderDownloads();
  if (FINAL.has(job.state)) {
    if (stopPolling) stopPolling();
    stopPolling = null;
    if (job.state === "completed" && before !== "completed") {
      const first = !view.words.length;
      $("#transcript-tools").hidden = false;
      if (!first && view.isEditing()) {
        // Someone is typing: refresh the terms only, never the text or the focus.
        terms = await fetchTerms(jobId, viewing, latest);
        view.markTerms(terms.occurrences);
        renderTerms();
        return;
      }
      await loadTranscript(viewing);
      await loadRevisions();
      const t = hashTime();
      if (first && t !== null) view.seek(t);
    } else if (job.state !== "completed") {
      $("#transcript").replaceChildren(el("p", { class: "muted" }, "There is no transcript: the job did not complete."));
      $("#transcript-tools").hidden = true;
      $("#transcript").setAttribute("aria-busy", "false");
      renderTerms();
    }
  }
}

async function act(verb) {
  try {
    await api(`jobs/${jobId}/${verb}`, { method: "POST" });
    notify(verb === "retry" ? "The job runs again." : "The job was cancelled.", "success");
    if (verb === "retry") job = { ...job, state: "queued" };
    if (!stopPolling) stopPolling = every(2000, refreshJob);
  } catch (error) { showError(error); }
}

async function start() {
  try {
    job = await api(`jobs/${jobId}`);
  } catch (error) {
    $("#job-title").textContent = "Job not available";
    $("#job-problem").hidden = false;
    $("#job-problem").replaceChildren(`${describe(error).replace(/\.$/, "")}. `, error.status === 404 ? "It may have been deleted. " : "", el("a", { href: "/jobs" }, "Back to all jobs"));
    $("#job-body").hidden = true;
    return;
  }
  setupPlayer();
  const saved = localStorage.getItem("scribe.threshold");
  if (saved) $("#threshold").value = saved;
  $("#threshold").addEventListener("input", () => { localStorage.setItem("scribe.threshold", $("#threshold").value); updateLowCount(); });
  $("#author").value = localStorage.getItem("scribe.author") || root.dataset.who || "";
  $("#job-retry").addEventListener("click", () => act("retry"));
  $("#job-cancel").addEventListener("click", () => act("cancel"));
  $("#undo").addEventListener("click", () => restore(null, { undo: true }));
  window.addEventListener("hashchange", () => { const t = hashTime(); if (t !== null) view.seek(t); });
  const first = job;
  job = null;
  if (FINAL.has(first.state)) {
    await refreshJob().catch(showError);
  } else {
    stopPolling = every(2000, refreshJob);
  }
}

start();
