// Collections page: list, create, rename; a collection's figures, top terms chart and lessons.
import { barChart } from "./chart.js";
import { $, api, categoryColor, categoryLabel, duration, el, jobName, notify, param, percent, setParams, showError, stateBadge } from "./common.js";

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

async function show(id) {
  const c = list.find((x) => x.id === id);
  const [figures, jobs] = await Promise.all([api(`collections/${id}/figures`), api(`collections/${id}/jobs`)]);
  $("#detail-title").textContent = c.name;
  const chart = el("div", { id: "terms-chart" });
  const lessons = jobs.jobs.length
    ? el("div", { class: "table-wrap" }, el("table", { class: "data" },
      el("caption", { class: "sr-only" }, `Lessons of ${c.name} in order`),
      el("thead", {}, el("tr", {}, el("th", { scope: "col", class: "num" }, "#"), el("th", { scope: "col" }, "Lesson"), el("th", { scope: "col" }, "State"), el("th", { scope: "col", class: "num" }, "Length"))),
      el("tbody", {}, jobs.jobs.map((j, n) => el("tr", {},
        el("td", { class: "num" }, String(j.lesson_number ?? n + 1)),
        el("td", {}, el("a", { href: `/jobs/${j.id}` }, jobName(j))),
        el("td", {}, stateBadge(j.state)),
        el("td", { class: "num" }, j.audio_duration ? duration(j.audio_duration) : "—"))))))
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
    el("p", {}, el("a", { href: `/jobs?collection=${id}` }, "See these jobs in the jobs list"), " · ", el("a", { href: `/search?collection=${id}` }, "Search this collection")));
  barChart(chart, {
    title: "Most said music terms",
    items: figures.top_terms.map((t) => ({ label: t.term, value: t.count, color: categoryColor(t.category).strong, note: categoryLabel(t.category) })),
    format: (v) => String(v),
  });
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
