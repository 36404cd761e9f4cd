// A transcript's revisions on the job page: the revision an edit is made on (sent with every
// save, so a stale page cannot land an edit on the wrong words), the conflict box that shows
// the newer text and offers to re-apply, undo, restore and a word diff between revisions.
import { ApiError, api, clock, el } from "./common.js";

/** The transcript (latest or a given revision) and the revision number it is. */
export async function fetchTranscript(jobId, revision = null) {
  const suffix = revision !== null ? `?revision=${revision}` : "";
  const response = await fetch(`/api/v1/jobs/${jobId}/transcript${suffix}`, { headers: { Accept: "application/json" }, credentials: "same-origin" });
  if (!response.ok) {
    let body = null;
    try { body = await response.json(); } catch { body = null; }
    throw new ApiError((body && body.detail) || `The transcript could not be loaded (${response.status}).`, response.status, body);
  }
  const transcript = await response.json();
  return { transcript, latest: Number(response.headers.get("X-Revision") || 0) };
}

/** The terms of a revision (the latest unless given); none when they were not kept. */
export async function fetchTerms(jobId, revision = null, latest = null) {
  const older = revision !== null && latest !== null && revision < latest;
  return api(`jobs/${jobId}/terms${older ? `?revision=${revision}` : ""}`).catch(() => ({ occurrences: [], missing: older }));
}

export function isConflict(error) {
  return error instanceof ApiError && error.status === 409 && error.body && error.body.current_revision !== undefined;
}

/** Show who changed what since this page loaded, and offer to re-apply the refused edit.
 * box: where to show it; problem: the 409 body; edit: the refused edit;
 * reapply: async () => boolean (save the edit again on the newer revision). */
export function showConflict(box, problem, edit, reapply) {
  const mine = edit.word !== undefined ? `“${edit.text}” (word ${edit.word + 1} of the passage at ${passageClock(problem, edit.segment)})` : `the passage at ${passageClock(problem, edit.segment)}: “${edit.text}”`;
  const newer = (problem.segments || []).find((s) => s.index === edit.segment);
  const again = el("button", { type: "button", class: "btn small", "data-action": "reapply" }, "Re-apply my change");
  const drop = el("button", { type: "button", class: "btn small ghost", "data-action": "discard" }, "Discard my change");
  box.replaceChildren(
    el("p", {}, el("strong", {}, "Someone else saved this transcript while you were editing."), ` It is now revision ${problem.current_revision}; the newer text is shown below and your change was not saved.`),
    newer ? el("p", { class: "conflict-newer" }, "Now: ", el("q", {}, newer.text)) : "",
    el("p", {}, "Your change: ", mine),
    el("div", { class: "row" }, again, drop));
  box.hidden = false;
  again.addEventListener("click", async () => {
    again.disabled = true;
    const ok = await reapply();
    if (ok) { box.hidden = true; box.replaceChildren(); } else again.disabled = false;
  });
  drop.addEventListener("click", () => { box.hidden = true; box.replaceChildren(); });
  again.focus({ preventScroll: true });
}

function passageClock(problem, index) {
  const seg = (problem.segments || []).find((s) => s.index === index);
  return seg ? clock(seg.start) : `#${index}`;
}

/** A revision's line in the list: what it was, and what can be done with it. */
export function describeRevision(r) {
  if (r.number === 0) return "original, by the model";
  if (r.action === "restore") return `${r.author} restored #${r.restored}`;
  if (r.action === "undo") return `${r.author} undid #${r.number - 1}`;
  return `${r.author}, ${r.edits} edit${r.edits === 1 ? "" : "s"}`;
}

/** The word diff from revision `from` to `to` as a list people can read. */
export async function renderDiff(box, jobId, from, to) {
  const diff = await api(`jobs/${jobId}/revisions/diff?from=${from}&to=${to}`);
  const items = diff.changes.map((c) => el("li", {},
    el("small", { class: "muted" }, `${clock(c.start)} `),
    c.removed.length ? el("del", {}, c.removed.join(" ")) : "",
    c.removed.length && c.added.length ? " → " : "",
    c.added.length ? el("ins", {}, c.added.join(" ")) : ""));
  box.replaceChildren(
    el("p", { class: "label" }, `Changes from #${from} to #${to}: ${diff.words_removed} word${diff.words_removed === 1 ? "" : "s"} out, ${diff.words_added} in`),
    items.length ? el("ul", { class: "diff-list" }, items) : el("p", { class: "muted" }, "No words differ."));
  box.hidden = false;
}
