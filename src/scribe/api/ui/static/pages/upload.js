// Upload page: many files with per-file progress, URLs one per line, or a manifest.
import { $, $$, FINAL, api, bytes, describe, el, every, fillCollections, jobName, notify, showError, stateBadge, toLogin } from "../components/common.js";

const PARALLEL = 2;
const queue = [];
let active = 0;
const watching = new Map(); // job id -> {status element, note}

function options() {
  const values = {
    preset: $("#opt-preset").value,
    language: $("#opt-language").value,
    priority: $("#opt-priority").value,
    collection_id: $("#opt-collection").value,
  };
  return Object.fromEntries(Object.entries(values).filter(([, v]) => v));
}

function jobLink(job) {
  return el("a", { href: `/jobs/${job.id}` }, "Open job");
}

// ---- files ---------------------------------------------------------------------------------

const held = [];

function prettyTitle(name) {
  const stem = name.replace(/\.[^.]*$/, "").replace(/[_-]+/g, " ").trim();
  return stem ? stem[0].toUpperCase() + stem.slice(1) : name;
}

function detailInputs(file, n) {
  const id = `pf-${Date.now()}-${n}`;
  const title = el("input", { id: `${id}-title`, type: "text", maxlength: 255, value: prettyTitle(file.name), class: "pf-title" });
  const number = el("input", { id: `${id}-number`, type: "number", min: 0, class: "pf-number" });
  const tags = el("input", { id: `${id}-tags`, type: "text", class: "pf-tags", placeholder: "scales, beginner" });
  const box = el("div", { class: "per-file" },
    el("div", { class: "field" }, el("label", { for: title.id }, `Title of ${file.name}`), title),
    el("div", { class: "field" }, el("label", { for: number.id }, "Lesson no."), number),
    el("div", { class: "field" }, el("label", { for: tags.id }, "Tags"), tags));
  return { box, read: () => ({ title: title.value.trim(), lesson_number: number.value, tags: tags.value.trim() }) };
}

function syncHeld() {
  const button = $("#send-held");
  button.hidden = held.length === 0;
  button.textContent = `Send ${held.length} file${held.length === 1 ? "" : "s"}`;
}

function addFiles(files) {
  const hold = $("#opt-hold").checked;
  for (const [n, file] of files.entries()) {
    const bar = el("span");
    bar.style.width = "0%";
    const progress = el("div", { class: "progress", role: "progressbar", "aria-label": `Upload of ${file.name}`, "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": 0 }, bar);
    const status = el("div", { class: "status" }, `Waiting to upload · ${bytes(file.size)}`);
    const cancel = el("button", { type: "button", class: "btn small ghost" }, "Cancel");
    const details = hold ? detailInputs(file, n) : null;
    const item = { file, bar, progress, status, cancel, xhr: null, cancelled: false, details };
    cancel.addEventListener("click", () => {
      item.cancelled = true;
      if (item.xhr) item.xhr.abort();
      status.textContent = "Cancelled before it was sent.";
      cancel.remove();
      const at = held.indexOf(item);
      if (at >= 0) { held.splice(at, 1); syncHeld(); }
    });
    $("#uploads").append(el("li", {}, el("span", { class: "name" }, file.name), details ? details.box : "", el("div", { class: "row" }, progress, cancel), status));
    if (hold) { status.textContent = `Ready to send · ${bytes(file.size)}`; held.push(item); } else queue.push(item);
  }
  syncHeld();
  pump();
}

function sendHeld() {
  for (const item of held.splice(0)) {
    item.fields = item.details.read();
    item.details.box.querySelectorAll("input").forEach((input) => { input.disabled = true; });
    queue.push(item);
  }
  syncHeld();
  pump();
}

async function createCollection() {
  const name = $("#new-collection-name").value.trim();
  if (!name) { notify("Type the new collection's name.", "error"); $("#new-collection-name").focus(); return; }
  try {
    const made = await api("collections", { method: "POST", json: { name } });
    await fillCollections($("#opt-collection"), made.id);
    $("#new-collection-name").value = "";
    $("#new-collection-box").hidden = true;
    $("#new-collection-toggle").setAttribute("aria-expanded", "false");
    notify(`Created “${made.name}”; new uploads go into it.`, "success");
    $("#opt-collection").focus();
  } catch (error) { showError(error); }
}

function pump() {
  while (active < PARALLEL && queue.length) {
    const item = queue.shift();
    if (item.cancelled) continue;
    active += 1;
    send(item).finally(() => { active -= 1; pump(); });
  }
}

function setProgress(item, fraction) {
  const pct = Math.round(fraction * 100);
  item.bar.style.width = `${pct}%`;
  item.progress.setAttribute("aria-valuenow", String(pct));
}

function send(item) {
  return new Promise((resolve) => {
    const form = new FormData();
    for (const [k, v] of Object.entries(options())) form.append(k, v);
    for (const [k, v] of Object.entries(item.fields || {})) if (v !== "") form.append(k, v);
    form.append("file", item.file, item.file.name);
    const xhr = new XMLHttpRequest();
    item.xhr = xhr;
    xhr.open("POST", "/api/v1/jobs");
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "json";
    xhr.upload.addEventListener("progress", (event) => {
      if (!event.lengthComputable) return;
      setProgress(item, event.loaded / event.total);
      item.status.textContent = `Uploading · ${bytes(event.loaded)} of ${bytes(event.total)}`;
    });
    xhr.addEventListener("load", () => {
      item.cancel.remove();
      const body = xhr.response;
      if (xhr.status === 201 && body && body.jobs) {
        setProgress(item, 1);
        item.progress.classList.add("done");
        const [job] = body.jobs;
        const note = `Uploaded ${bytes(item.file.size)} · `;
        item.status.replaceChildren(note, stateBadge(job.state), " ", jobLink(job));
        item.status.dataset.jobId = job.id;
        watching.set(job.id, { status: item.status, note });
      } else {
        if (xhr.status === 401 && document.body.dataset.auth === "1") toLogin();
        item.progress.classList.add("bad");
        item.status.classList.add("bad");
        const detail = body && typeof body.detail === "string" ? body.detail : `the server answered ${xhr.status}`;
        item.status.textContent = `Not uploaded: ${detail}`;
      }
      resolve();
    });
    xhr.addEventListener("error", () => {
      item.cancel.remove();
      item.progress.classList.add("bad");
      item.status.classList.add("bad");
      item.status.textContent = "Not uploaded: the connection to the server was lost. Try again.";
      resolve();
    });
    xhr.addEventListener("abort", () => { item.status.textContent = "Upload cancelled."; resolve(); });
    item.status.textContent = "Starting upload…";
    xhr.send(form);
  });
}

async function watch() {
  for (const [id, { status, note }] of watching) {
    const job = await api(`jobs/${id}`);
    const stage = job.stages.find((s) => s.state === "running");
    status.replaceChildren(
      note, stateBadge(job.state), " ",
      job.state === "failed" ? `${job.error || "failed"} · ` : "",
      stage ? `${stage.stage} ${Math.round(stage.progress * 100)} % · ` : "",
      jobLink(job),
    );
    if (FINAL.has(job.state)) watching.delete(id);
  }
}

function setupDropzone() {
  const zone = $("#dropzone");
  const input = $("#file-input");
  input.addEventListener("change", () => { addFiles(Array.from(input.files)); input.value = ""; });
  for (const name of ["dragenter", "dragover"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.add("over"); });
  }
  for (const name of ["dragleave", "drop"]) {
    zone.addEventListener(name, (e) => { e.preventDefault(); zone.classList.remove("over"); });
  }
  zone.addEventListener("drop", (e) => addFiles(Array.from(e.dataTransfer.files)));
  // A file dropped outside the zone must not replace the page.
  window.addEventListener("dragover", (e) => e.preventDefault());
  window.addEventListener("drop", (e) => e.preventDefault());
}

// ---- URLs ----------------------------------------------------------------------------------

async function sendUrls(event) {
  event.preventDefault();
  const lines = $("#urls").value.split("\n").map((l) => l.trim()).filter(Boolean);
  if (!lines.length) { notify("Paste at least one URL.", "error"); return; }
  const results = $("#url-results");
  results.replaceChildren();
  const { collection_id: collection, ...opts } = options();
  let created = 0;
  for (const source of lines) {
    const status = el("div", { class: "status" }, "Sending…");
    results.append(el("li", {}, el("span", { class: "name" }, source), status));
    try {
      const job = await api("jobs/from-source", { method: "POST", json: { source, options: opts, collection_id: collection || null } });
      status.replaceChildren(stateBadge(job.state), " ", jobLink(job));
      watching.set(job.id, { status, note: "" });
      created += 1;
    } catch (error) {
      status.classList.add("bad");
      status.textContent = `Refused: ${describe(error)}`;
    }
  }
  notify(`${created} of ${lines.length} URL${lines.length === 1 ? "" : "s"} became jobs.`, created === lines.length ? "success" : "error");
}

// ---- manifest ------------------------------------------------------------------------------

async function sendManifest(event) {
  event.preventDefault();
  const file = $("#manifest-file").files[0];
  const text = file ? await file.text() : $("#manifest-text").value;
  if (!text.trim()) { notify("Choose a manifest file or paste one.", "error"); return; }
  let type = $("#manifest-format").value;
  if (file && /\.(jsonl|ndjson|json)$/i.test(file.name)) type = "application/x-ndjson";
  if (file && /\.csv$/i.test(file.name)) type = "text/csv";
  const out = $("#manifest-result");
  out.replaceChildren(el("p", {}, "Sending…"));
  try {
    const result = await api("jobs/manifest", { method: "POST", body: text, contentType: type });
    const parts = [el("p", {}, `${result.jobs.length} job${result.jobs.length === 1 ? "" : "s"} created`, result.errors.length ? `, ${result.errors.length} line${result.errors.length === 1 ? "" : "s"} refused:` : ".")];
    if (result.errors.length) {
      parts.push(el("ul", { class: "problems" }, result.errors.map((e) => el("li", {}, `Line ${e.line}: ${e.reason}`))));
    }
    if (result.jobs.length) {
      parts.push(el("ul", { class: "uploads" }, result.jobs.map((job) => {
        const status = el("div", { class: "status" }, stateBadge(job.state), " ", jobLink(job));
        watching.set(job.id, { status, note: "" });
        return el("li", {}, el("span", { class: "name" }, jobName(job)), status);
      })));
    }
    out.replaceChildren(...parts);
  } catch (error) {
    const lines = (error.body && Array.isArray(error.body.errors)) ? error.body.errors : [];
    out.replaceChildren(
      el("p", { class: "error-box", role: "alert" }, describe(error)),
      ...(lines.length ? [el("ul", { class: "problems" }, lines.map((e) => el("li", {}, `Line ${e.line}: ${e.reason}`)))] : []),
    );
  }
}

// ---- tabs ----------------------------------------------------------------------------------

function setupTabs() {
  const tabs = $$("[role=tab]");
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      document.getElementById(t.getAttribute("aria-controls")).hidden = !on;
    }
    tab.focus();
  };
  tabs.forEach((tab, i) => {
    tab.addEventListener("click", () => select(tab));
    tab.addEventListener("keydown", (e) => {
      const step = { ArrowRight: 1, ArrowLeft: -1 }[e.key];
      if (step) { e.preventDefault(); select(tabs[(i + step + tabs.length) % tabs.length]); }
      if (e.key === "Home") select(tabs[0]);
      if (e.key === "End") select(tabs[tabs.length - 1]);
    });
  });
}

setupTabs();
setupDropzone();
$("#send-held").addEventListener("click", sendHeld);
$("#new-collection-toggle").addEventListener("click", () => {
  const box = $("#new-collection-box");
  box.hidden = !box.hidden;
  $("#new-collection-toggle").setAttribute("aria-expanded", String(!box.hidden));
  if (!box.hidden) $("#new-collection-name").focus();
});
$("#new-collection-create").addEventListener("click", createCollection);
$("#new-collection-name").addEventListener("keydown", (e) => { if (e.key === "Enter") { e.preventDefault(); createCollection(); } });
$("#urls-form").addEventListener("submit", sendUrls);
$("#manifest-form").addEventListener("submit", sendManifest);
fillCollections($("#opt-collection"), new URLSearchParams(location.search).get("collection") || "").catch(showError);
every(2000, async () => { if (watching.size) await watch(); });
