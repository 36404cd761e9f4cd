// Lexicon page: browse and edit terms, add categories, import and export, re-run recognition.
import { $, api, categoryColor, describe, el, jobName, notify, param, setParams, showError } from "../components/common.js";

let lexicon = { version: "", categories: [] };
let current = "";
let editing = null; // the term the form was filled from: spellings taken out of it are removed

function category() {
  return lexicon.categories.find((c) => c.id === current);
}

async function load() {
  lexicon = await api("lexicon");
  $("#lexicon-version").textContent = `version ${lexicon.version}`;
  if (!lexicon.categories.some((c) => c.id === current)) current = param("category") || lexicon.categories[0]?.id || "";
  renderCategories();
  renderTerms();
}

function renderCategories() {
  $("#categories").replaceChildren(...lexicon.categories.map((c) => {
    const dot = el("span", { class: "swatch", "aria-hidden": "true" });
    dot.style.background = categoryColor(c.id).strong;
    return el("li", {}, el("button", { type: "button", "aria-current": c.id === current ? "true" : "false", onclick: () => pick(c.id) },
      el("span", {}, dot, c.label || c.id, el("span", { class: "cell-sub" }, c.id)), el("small", { class: "muted" }, String(c.terms.length))));
  }));
  const select = $("#term-category");
  const keep = select.value;
  select.replaceChildren(...lexicon.categories.map((c) => el("option", { value: c.id }, c.label || c.id)));
  select.value = current || keep;
}

function pick(id) {
  current = id;
  setParams({ category: id });
  renderCategories();
  renderTerms();
}

function renderTerms() {
  const c = category();
  const filter = $("#term-filter").value.trim().toLowerCase();
  const title = filter ? `Terms matching “${filter}” in every category` : c ? `Terms in ${c.label || c.id}` : "Terms";
  $("#terms-title").textContent = title;
  $("#terms-caption").textContent = title;
  // A filter searches every category; without one the chosen category is shown.
  const pool = filter ? lexicon.categories.flatMap((k) => k.terms.map((t) => ({ t, k }))) : (c ? c.terms.map((t) => ({ t, k: c })) : []);
  const terms = pool.filter(({ t }) => !filter || [t.canonical, ...t.variants].some((v) => v.toLowerCase().includes(filter)));
  const body = $("#terms-body");
  if (!terms.length) {
    body.replaceChildren(el("tr", {}, el("td", { colspan: 3, class: "muted" }, filter ? "No term in any category matches the filter." : "No terms in this category yet.")));
    return;
  }
  body.replaceChildren(...terms.map(({ t, k }) => el("tr", { dataset: { category: k.id } },
    el("td", {}, el("strong", {}, t.canonical), filter ? el("span", { class: "cell-sub" }, k.label || k.id) : ""),
    el("td", { class: "variants" }, t.variants.join(", ") || "—"),
    el("td", { class: "num" },
      el("button", { type: "button", class: "btn small ghost", "aria-label": `Edit ${t.canonical}`, onclick: () => edit(k.id, t) }, "Edit"), " ",
      el("button", { type: "button", class: "btn small ghost", "aria-label": `Delete ${t.canonical}`, onclick: () => remove(k.id, t) }, "Delete")))));
}

function edit(categoryId, term) {
  editing = { category: categoryId, canonical: term.canonical, variants: [...term.variants] };
  $("#term-category").value = categoryId;
  $("#term-canonical").value = term.canonical;
  $("#term-variants").value = term.variants.join(", ");
  $("#term-canonical").focus();
}

async function remove(categoryId, term) {
  if (!window.confirm(`Remove “${term.canonical}” from the lexicon?`)) return;
  try {
    await api(`lexicon/terms?${new URLSearchParams({ category: categoryId, canonical: term.canonical })}`, { method: "DELETE" });
    notify(`Removed “${term.canonical}”.`, "success");
    await load();
  } catch (error) { showError(error); }
}

async function saveTerm(event) {
  event.preventDefault();
  const body = {
    category: $("#term-category").value,
    canonical: $("#term-canonical").value.trim(),
    variants: $("#term-variants").value.split(",").map((v) => v.trim()).filter(Boolean),
  };
  // Spellings are merged; only those taken out of the list the form was filled with go.
  const same = editing && editing.category === body.category && editing.canonical.toLowerCase() === body.canonical.toLowerCase();
  const typed = new Set(body.variants.map((v) => v.toLowerCase()));
  body.remove = same ? editing.variants.filter((v) => !typed.has(v.toLowerCase())) : [];
  try {
    const change = await api("lexicon/terms", { method: "PUT", json: body });
    notify(`${change.created ? "Added" : "Saved"} “${body.canonical}”: ${changeText(change)}. Re-run recognition to find it in finished jobs.`, "success");
    editing = null;
    event.target.reset();
    current = body.category;
    await load();
  } catch (error) { showError(error); }
}

function changeText(change) {
  const list = (words) => words.map((w) => `“${w}”`).join(", ");
  const parts = [];
  if (change.added && change.added.length) parts.push(`added ${list(change.added)}`);
  if (change.removed && change.removed.length) parts.push(`removed ${list(change.removed)}`);
  if (change.kept && change.kept.length) parts.push(`kept ${change.kept.length} spelling${change.kept.length === 1 ? "" : "s"}`);
  return parts.length ? parts.join("; ") : "no spellings changed";
}

async function addCategory(event) {
  event.preventDefault();
  const id = $("#cat-id").value.trim();
  try {
    await api("lexicon/categories", { method: "POST", json: { id, label: $("#cat-label").value.trim() } });
    event.target.reset();
    current = id;
    notify(`Added the category “${id}”.`, "success");
    await load();
  } catch (error) { showError(error); }
}

async function importFile(event) {
  event.preventDefault();
  const file = $("#import-file").files[0];
  if (!file) return;
  const text = await file.text();
  const json = /\.json$/i.test(file.name) || text.trimStart().startsWith("{");
  const out = $("#import-result");
  try {
    const result = await api("lexicon/import", { method: "POST", body: text, contentType: json ? "application/json" : "text/csv" });
    out.replaceChildren(el("p", { class: "notice success" }, `Imported ${result.imported ?? "the"} term${result.imported === 1 ? "" : "s"}; the lexicon is now version ${result.version}.`));
    event.target.reset();
    await load();
  } catch (error) {
    out.replaceChildren(el("p", { class: "error-box", role: "alert" }, `Not imported: ${describe(error)}`));
  }
}

async function loadJobs() {
  const page = await api("jobs?state=completed&limit=200");
  const list = $("#rerun-jobs");
  if (!page.jobs.length) { list.replaceChildren(el("li", { class: "muted" }, "No completed jobs yet.")); return; }
  list.replaceChildren(...page.jobs.map((j) => el("li", {}, el("label", {}, el("input", { type: "checkbox", value: j.id }), jobName(j)))));
}

async function rerun() {
  const ids = Array.from(document.querySelectorAll("#rerun-jobs input:checked")).map((i) => i.value);
  const out = $("#rerun-result");
  if (!ids.length) { out.replaceChildren(el("p", { class: "error-box", role: "alert" }, "Choose at least one job.")); return; }
  try {
    const result = await api("jobs/rerun-terms", { method: "POST", json: { job_ids: ids } });
    const errors = Object.entries(result.errors);
    out.replaceChildren(
      el("p", { class: "notice success" }, `Finding terms again in ${result.jobs.length} job${result.jobs.length === 1 ? "" : "s"}. `,
        ...result.jobs.slice(0, 5).flatMap((j, n) => [n ? ", " : "", el("a", { href: `/jobs/${j.id}` }, jobName(j))])),
      errors.length ? el("ul", { class: "problems" }, errors.map(([id, reason]) => el("li", {}, `${id}: ${reason}`))) : "");
  } catch (error) {
    out.replaceChildren(el("p", { class: "error-box", role: "alert" }, describe(error)));
  }
}

$("#term-form").addEventListener("submit", saveTerm);
$("#new-category").addEventListener("submit", addCategory);
$("#import-form").addEventListener("submit", importFile);
$("#term-filter").addEventListener("input", renderTerms);
$("#term-category").addEventListener("change", (e) => { if (e.target.value) pick(e.target.value); });
$("#rerun").addEventListener("click", rerun);
$("#rerun-all").addEventListener("change", (e) => {
  for (const box of document.querySelectorAll("#rerun-jobs input")) box.checked = e.target.checked;
});
load().catch(showError);
loadJobs().catch(showError);
