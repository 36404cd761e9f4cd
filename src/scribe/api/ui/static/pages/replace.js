// Find and replace: preview every passage a replacement changes in one lesson, a collection or
// the library, then apply it as revisions (one per lesson).
import { $, api, clock, collections, el, notify, param, showError } from "../components/common.js";

let previewed = null;

function request() {
  const scope = $("#r-scope").value;
  const body = { find: $("#r-find").value, replace: $("#r-replace").value, match_case: $("#r-case").checked, whole_words: $("#r-words").checked };
  if (scope.startsWith("job:")) body.job_id = scope.slice(4);
  if (scope.startsWith("collection:")) body.collection_id = scope.slice(11);
  return body;
}

function diff(before, after) {
  // the common start and end stay plain; the middle shows what goes and what comes
  let a = 0;
  while (a < before.length && a < after.length && before[a] === after[a]) a += 1;
  let b = 0;
  while (b < before.length - a && b < after.length - a && before[before.length - 1 - b] === after[after.length - 1 - b]) b += 1;
  while (a > 0 && /\w/.test(before[a - 1])) a -= 1; // whole words
  while (b > 0 && /\w/.test(before[before.length - b])) b -= 1;
  return [before.slice(0, a), el("del", {}, before.slice(a, before.length - b)), el("ins", {}, after.slice(a, after.length - b)), before.slice(before.length - b)];
}

async function preview(event) {
  event.preventDefault();
  const body = request();
  try {
    const result = await api("replace/preview", { method: "POST", json: body });
    previewed = body;
    $("#r-count").textContent = `${result.replacements} replacement${result.replacements === 1 ? "" : "s"} in ${result.lessons} lesson${result.lessons === 1 ? "" : "s"}`;
    $("#r-hits").replaceChildren(...result.hits.map((h) => el("li", { class: "replace-hit", dataset: { jobId: h.job_id } },
      el("a", { href: `/jobs/${h.job_id}#t=${h.start}` }, `${h.job_title} · ${clock(h.start)}`), el("p", {}, ...diff(h.before, h.after)))));
    $("#r-empty").hidden = result.hits.length > 0;
    if (!result.hits.length) $("#r-empty").textContent = "Nothing matches.";
    $("#r-apply").hidden = result.hits.length === 0;
    $("#r-apply").textContent = `Apply to ${result.lessons} lesson${result.lessons === 1 ? "" : "s"}`;
    $("#r-done").replaceChildren();
  } catch (error) { showError(error); }
}

async function apply() {
  const author = $("#r-author").value.trim();
  if (!author) { notify("Type your name: each changed lesson gets a revision by you.", "error"); $("#r-author").focus(); return; }
  try {
    const result = await api("replace/apply", { method: "POST", json: { ...previewed, author } });
    const n = result.revisions.length;
    $("#r-done").replaceChildren(el("p", { id: "r-summary" }, `Saved ${n} revision${n === 1 ? "" : "s"}, one per lesson.`),
      Object.keys(result.errors).length ? el("ul", { class: "problems" }, Object.entries(result.errors).map(([id, why]) => el("li", {}, `${id}: ${why}`))) : "");
    $("#r-apply").hidden = true;
    notify(`Replaced in ${n} lesson${n === 1 ? "" : "s"}.`, "success");
  } catch (error) { showError(error); }
}

async function start() {
  const select = $("#r-scope");
  const list = await collections();
  select.append(...list.map((c) => el("option", { value: `collection:${c.id}` }, `Collection: ${c.name}`)));
  const job = param("job");
  if (job) {
    const found = await api(`jobs/${job}`);
    select.append(el("option", { value: `job:${job}` }, `This lesson: ${found.title || found.filename}`));
    select.value = `job:${job}`;
  } else if (param("collection")) select.value = `collection:${param("collection")}`;
  $("#r-author").value = localStorage.getItem("scribe-author") || "";
  $("#r-author").addEventListener("change", () => localStorage.setItem("scribe-author", $("#r-author").value.trim()));
  for (const id of ["#r-find", "#r-replace", "#r-scope", "#r-case", "#r-words"]) $(id).addEventListener("input", () => { $("#r-apply").hidden = true; });
}

$("#replace-form").addEventListener("submit", preview);
$("#r-apply").addEventListener("click", apply);
start().catch(showError);
