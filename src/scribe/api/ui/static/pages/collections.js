// Collections page: list, create, rename, delete; a collection's figures, top terms chart and
// lessons, which can be added from the library and reordered by drag or by Alt+Arrow keys.
import { barChart } from "../components/chart.js";
import { $, api, categoryColor, categoryLabel, duration, el, jobName, notify, param, percent, setParams, showError, stateBadge } from "../components/common.js";

let list = [];

async function loadList(selectId = param("id")) {
  list = await api("collections");
  const ul = $("#collection-list");
  if (!list.length) {
    ul.replaceChildren(el("li", { class: "muted" }, "No collections yet. Create the first one below."));
  } else {
    ul.replaceChildren(...list.map((c) => el("li", {}, el("button", {
      type: "button", "aria-current": c.id === selectId ? "true" : "false", onclick: () => select(c.id),
    }, el("span", {}, c.name), el("small", { class: "muted" }, `${c.lessons} lesson${c.lessons === 1 ? "" : "s"}`)))));
  }
  if (selectId && list.some((c) => c.id === selectId)) await show(selectId);
}

async function select(id) {
  setParams({ id });
  for (const b of document.querySelectorAll("#collection-list button")) b.setAttribute("aria-current", "false");
  const i = list.findIndex((c) => c.id === id);
  document.querySelectorAll("#collection-list button")[i]?.setAttribute("aria-current", "true");
  await show(id).catch(showError);
}

function renameForm(c) {
  const input = el("input", { id: "rename", type: "text", value: c.name, required: true, maxlength: 255 });
  const description = el("input", { id: "describe", type: "text", value: c.description || "", maxlength: 5000 });
  const form = el("form", { class: "row" },
    el("div", { class: "field" }, el("label", { for: "rename" }, "Name"), input),
    el("div", { class: "field" }, el("label", { for: "describe" }, "Description"), description),
    el("div", { class: "field field-button" }, el("button", { class: "btn ghost", type: "submit" }, "Save")));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      await api(`collections/${c.id}`, { method: "PATCH", json: { name: input.value.trim(), description: description.value } });
      notify("Collection saved.", "success");
      await loadList(c.id);
    } catch (error) { showError(error); }
  });
  return form;
}

function lessonTable(c, jobs) {
  const order = jobs.map((j) => j.id);
  const save = async (ids, focusId, message) => {
    try {
      await api(`collections/${c.id}/order`, { method: "PUT", json: { job_ids: ids } });
      notify(message, "success");
      await show(c.id, focusId);
    } catch (error) { showError(error); }
  };
  const move = (id, step) => {
    const from = order.indexOf(id);
    const to = from + step;
    if (to < 0 || to >= order.length) return;
    const ids = order.slice();
    ids.splice(to, 0, ids.splice(from, 1)[0]);
    const job = jobs.find((j) => j.id === id);
    save(ids, id, `Moved “${jobName(job)}” to position ${to + 1}.`);
  };
  let dragged = null;
  const rows = jobs.map((j, n) => {
    const up = el("button", { type: "button", class: "btn small ghost", "aria-label": `Move ${jobName(j)} up`, disabled: n === 0, onclick: () => move(j.id, -1) }, "↑");
    const down = el("button", { type: "button", class: "btn small ghost", "aria-label": `Move ${jobName(j)} down`, disabled: n === jobs.length - 1, onclick: () => move(j.id, 1) }, "↓");
    const tr = el("tr", { class: "lesson-row", draggable: "true", tabindex: 0, dataset: { jobId: j.id }, "aria-label": `${n + 1}. ${jobName(j)}; Alt+Arrow keys move it` },
      el("td", { class: "num" }, String(j.lesson_number ?? n + 1)),
      el("td", {}, el("a", { href: `/jobs/${j.id}` }, jobName(j))),
      el("td", {}, stateBadge(j.state)),
      el("td", { class: "num" }, j.audio_duration ? duration(j.audio_duration) : "—"),
      el("td", {}, up, down));
    tr.addEventListener("keydown", (e) => {
      if (e.target !== tr || !e.altKey) return;
      const step = { ArrowUp: -1, ArrowDown: 1 }[e.key];
      if (step) { e.preventDefault(); move(j.id, step); }
    });
    tr.addEventListener("dragstart", (e) => { dragged = j.id; tr.classList.add("dragging"); e.dataTransfer.effectAllowed = "move"; e.dataTransfer.setData("text/plain", j.id); });
    tr.addEventListener("dragend", () => tr.classList.remove("dragging"));
    tr.addEventListener("dragover", (e) => { e.preventDefault(); e.dataTransfer.dropEffect = "move"; });
    tr.addEventListener("drop", (e) => {
      e.preventDefault();
      const id = dragged || e.dataTransfer.getData("text/plain");
      if (!id || id === j.id) return;
      const ids = order.filter((x) => x !== id);
      ids.splice(order.indexOf(j.id), 0, id);
      const job = jobs.find((x) => x.id === id);
      save(ids, id, `Moved “${jobName(job)}” to position ${ids.indexOf(id) + 1}.`);
    });
    return tr;
  });
  return el("div", { class: "table-wrap" }, el("table", { class: "data", id: "lessons-table" },
    el("caption", { class: "sr-only" }, `Lessons of ${c.name} in order; drag a row, or focus it and press Alt+Arrow up or down, to move it`),
    el("thead", {}, el("tr", {}, el("th", { scope: "col", class: "num" }, "#"), el("th", { scope: "col" }, "Lesson"), el("th", { scope: "col" }, "State"), el("th", { scope: "col", class: "num" }, "Length"), el("th", { scope: "col" }, "Move"))),
    el("tbody", {}, rows)));
}

async function addBox(c, members) {
  const inside = new Set(members.map((j) => j.id));
  const page = await api("jobs?limit=500");
  const others = page.jobs.filter((j) => !inside.has(j.id));
  const select = el("select", { id: "add-lesson" }, others.length ? others.map((j) => el("option", { value: j.id }, jobName(j))) : el("option", { value: "" }, "Every lesson is in this collection"));
  const add = el("button", { type: "button", class: "btn ghost", id: "add-lesson-button", disabled: !others.length }, "Add to collection");
  add.addEventListener("click", async () => {
    if (!select.value) return;
    try {
      await api(`collections/${c.id}/jobs`, { method: "POST", json: { job_ids: [select.value] } });
      notify("Lesson added.", "success");
      await loadList(c.id);
    } catch (error) { showError(error); }
  });
  return el("div", { class: "row" }, el("div", { class: "field" }, el("label", { for: "add-lesson" }, "Add an existing lesson"), select), el("div", { class: "field field-button" }, add));
}

function deleteButton(c) {
  return el("button", { type: "button", class: "btn danger small", id: "delete-collection", onclick: async () => {
    if (!window.confirm(`Delete the collection “${c.name}”? Its lessons stay in the library.`)) return;
    try {
      await api(`collections/${c.id}`, { method: "DELETE" });
      notify(`Deleted “${c.name}”; its lessons stay.`, "success");
      setParams({ id: "" });
      $("#detail-title").textContent = "Pick a collection";
      $("#detail-body").replaceChildren(el("p", { class: "muted" }, "Choose a course on the left to see its lessons and figures."));
      await loadList("");
    } catch (error) { showError(error); }
  } }, "Delete collection");
}

async function show(id, focusId = null) {
  const c = list.find((x) => x.id === id);
  const [figures, jobs] = await Promise.all([api(`collections/${id}/figures`), api(`collections/${id}/jobs`)]);
  $("#detail-title").textContent = c.name;
  const chart = el("div", { id: "terms-chart" });
  const lessons = jobs.jobs.length
    ? lessonTable(c, jobs.jobs)
    : el("p", { class: "muted" }, "No lessons yet. ", el("a", { href: `/upload?collection=${id}` }, "Add lessons to this collection"), ".");
  $("#detail-body").replaceChildren(
    renameForm(c),
    el("dl", { class: "figures" },
      el("div", {}, el("dt", {}, "Lessons"), el("dd", {}, String(figures.lessons))),
      el("div", {}, el("dt", {}, "Audio"), el("dd", {}, duration(figures.hours * 3600))),
      el("div", {}, el("dt", {}, "Mean word confidence"), el("dd", {}, percent(figures.mean_confidence, 1)))),
    chart,
    el("h3", {}, "Lessons in order"),
    lessons,
    await addBox(c, jobs.jobs),
    el("p", {}, el("a", { href: `/jobs?collection=${id}` }, "See these jobs in the jobs list"), " · ", el("a", { href: `/search?collection=${id}` }, "Search this collection"), " · ", el("a", { href: `/replace?collection=${id}` }, "Find and replace in this collection")),
    el("p", {}, deleteButton(c)));
  barChart(chart, {
    title: "Most said music terms",
    items: figures.top_terms.map((t) => ({ label: t.term, value: t.count, color: categoryColor(t.category).strong, note: categoryLabel(t.category) })),
    format: (v) => String(v),
  });
  if (focusId) document.querySelector(`#lessons-table tr[data-job-id="${focusId}"]`)?.focus();
}

$("#new-collection").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const c = await api("collections", { method: "POST", json: { name: $("#new-name").value.trim(), description: $("#new-description").value } });
    e.target.reset();
    notify(`Created “${c.name}”.`, "success");
    setParams({ id: c.id });
    await loadList(c.id);
  } catch (error) { showError(error); }
});

loadList().catch(showError);
