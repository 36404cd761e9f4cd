// Job page, lesson panel: title, number, description, collection and tags; review status;
// publishable captions with their limits; chapters. Loaded beside job.js.
import { $, api, describe, el, fillCollections, notify, showError, when } from "../components/common.js";
import { downloadBase as baseName } from "../components/names.js";

const root = $("#job");
const jobId = root.dataset.jobId;
const STEPS = {
  draft: [["in_review", "Send to review"]],
  in_review: [["approved", "Approve"], ["draft", "Back to draft"]],
  approved: [["in_review", "Reopen review"], ["draft", "Back to draft"]],
};
const LABELS = { draft: "Draft", in_review: "In review", approved: "Approved" };

function who() {
  return ($("#author")?.value || root.dataset.who || "").trim();
}

function detailsForm(job) {
  const title = el("input", { id: "meta-title", type: "text", maxlength: 255, value: job.title || "" });
  const number = el("input", { id: "meta-number", type: "number", min: 0, value: job.lesson_number ?? "" });
  const description = el("textarea", { id: "meta-description", rows: 2, maxlength: 5000 }, job.description || "");
  const tags = el("input", { id: "meta-tags", type: "text", value: (job.tags || []).join(", "), "aria-describedby": "meta-tags-hint" });
  const collection = el("select", { id: "meta-collection" }, el("option", { value: "" }, "No collection"));
  fillCollections(collection, job.collection_id || "").catch(showError);
  const form = el("form", { id: "meta-form" },
    el("div", { class: "row" },
      el("div", { class: "field" }, el("label", { for: "meta-title" }, "Title"), title),
      el("div", { class: "field" }, el("label", { for: "meta-number" }, "Lesson number"), number),
      el("div", { class: "field" }, el("label", { for: "meta-collection" }, "Collection"), collection)),
    el("div", { class: "field" }, el("label", { for: "meta-description" }, "Description"), description),
    el("div", { class: "field" }, el("label", { for: "meta-tags" }, "Tags"), tags, el("span", { class: "hint", id: "meta-tags-hint" }, "Separate tags with commas.")),
    el("button", { class: "btn", type: "submit" }, "Save details"));
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const saved = await api(`jobs/${jobId}`, { method: "PATCH", json: {
        title: title.value.trim() || null,
        lesson_number: number.value === "" ? null : Number(number.value),
        description: description.value,
        collection_id: collection.value || null,
        tags: tags.value.split(",").map((t) => t.trim()).filter(Boolean),
      } });
      notify("Lesson details saved.", "success");
      $("#job-title").textContent = saved.title || saved.filename;
      render(saved);
    } catch (error) { showError(error); }
  });
  return form;
}

function reviewBox(job) {
  const status = el("p", { id: "review-status" },
    el("span", { class: `review-badge review-${job.review_status}` }, LABELS[job.review_status] || job.review_status),
    job.reviewed_by ? ` · ${job.reviewed_by}, ${when(job.reviewed_at)}` : " · not reviewed yet",
    job.assignee ? ` · assigned to ${job.assignee}` : "");
  const assignee = el("input", { id: "review-assignee", type: "text", maxlength: 255, value: job.assignee || "", placeholder: "Who reviews it" });
  const buttons = (STEPS[job.review_status] || []).map(([next, label]) => el("button", {
    type: "button", class: "btn small", dataset: { step: next },
    onclick: async () => {
      const by = who();
      if (!by) { notify("Type your name (Your name for edits) before a review step.", "error"); $("#author")?.focus(); return; }
      try {
        const saved = await api(`jobs/${jobId}/review`, { method: "POST", json: { status: next, by, assignee: assignee.value.trim() } });
        notify(`Review: ${LABELS[saved.review_status]}.`, "success");
        render(saved);
      } catch (error) { showError(error); }
    },
  }, label));
  return el("div", { id: "review" }, status,
    el("div", { class: "row" }, el("div", { class: "field" }, el("label", { for: "review-assignee" }, "Reviewer"), assignee),
      el("div", { class: "field field-button" }, el("div", { class: "row" }, buttons))));
}

function captionsBox(job) {
  const format = el("select", { id: "cap-format" }, ["srt", "vtt", "ttml"].map((f) => el("option", { value: f }, f.toUpperCase())));
  const profile = el("select", { id: "cap-profile" },
    el("option", { value: "default" }, "Standard (20 characters a second)"),
    el("option", { value: "strict" }, "Strict (17 characters a second)"),
    el("option", { value: "mobile" }, "Mobile (32 characters a line)"));
  const chars = el("input", { id: "cap-chars", type: "number", min: 12, max: 80, placeholder: "42" });
  const lines = el("select", { id: "cap-lines" }, el("option", { value: "" }, "Profile's"), el("option", { value: "1" }, "1"), el("option", { value: "2" }, "2"), el("option", { value: "3" }, "3"));
  const link = el("a", { class: "btn", id: "cap-download" }, "Download captions");
  const segments = el("a", { class: "btn ghost", id: "cap-segments" }, "One cue per segment");
  const sync = () => {
    const p = new URLSearchParams({ format: format.value, profile: profile.value });
    if (chars.value) p.set("max_chars", chars.value);
    if (lines.value) p.set("max_lines", lines.value);
    link.href = `/api/v1/jobs/${jobId}/transcript?${p}`;
    link.setAttribute("download", `${baseName(job)}.${format.value}`);
    segments.href = `/api/v1/jobs/${jobId}/transcript?format=${format.value === "ttml" ? "srt" : format.value}&cues=segments`;
    segments.setAttribute("download", `${baseName(job)}-segments.${format.value === "ttml" ? "srt" : format.value}`);
  };
  for (const input of [format, profile, chars, lines]) input.addEventListener("input", sync);
  sync();
  return el("div", { id: "captions" },
    el("div", { class: "row" },
      el("div", { class: "field" }, el("label", { for: "cap-format" }, "Format"), format),
      el("div", { class: "field" }, el("label", { for: "cap-profile" }, "Profile"), profile),
      el("div", { class: "field" }, el("label", { for: "cap-chars" }, "Characters a line"), chars),
      el("div", { class: "field" }, el("label", { for: "cap-lines" }, "Lines a cue"), lines)),
    el("div", { class: "downloads" }, link, segments));
}

async function chaptersBox(job) {
  const box = el("div", { id: "chapters" });
  if (job.state !== "completed") { box.append(el("p", { class: "muted" }, "Chapters come once the job completes.")); return box; }
  try {
    const list = await api(`jobs/${jobId}/chapters?format=youtube`);
    box.append(list.trim()
      ? el("pre", { id: "chapters-list", class: "chapters", "aria-label": "Chapter list for a video description" }, list)
      : el("p", { class: "muted" }, "No topic is said often enough for chapters yet."));
    box.append(el("div", { class: "downloads" }, el("a", { class: "btn small ghost", href: `/api/v1/jobs/${jobId}/chapters?format=vtt`, download: `${baseName(job)}.chapters.vtt` }, "WebVTT chapters")));
  } catch (error) { box.append(el("p", { class: "error-box" }, describe(error))); }
  return box;
}

async function render(job) {
  const card = $("#lesson-card");
  card.replaceChildren(
    el("h2", { id: "lesson-title" }, "Lesson details and review"),
    el("div", { class: "grid-2" }, el("div", {}, detailsForm(job)), el("div", {}, el("h3", {}, "Review"), reviewBox(job))),
    el("h3", {}, "Captions to publish"), captionsBox(job),
    el("h3", {}, "Chapters"), await chaptersBox(job),
    el("p", {}, el("a", { href: `/replace?job=${jobId}` }, "Find and replace in this transcript")));
}

api(`jobs/${jobId}`).then(render).catch(showError);
