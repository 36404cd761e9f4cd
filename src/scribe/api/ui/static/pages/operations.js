// Operations page: health, queue depths with redrive of dead letters, workers; refreshed every 5 s.
import { $, api, el, every, notify, showError } from "../components/common.js";

const LABELS = { database: "Database", queues: "Queues", blob_store: "Blob store" };

function ago(iso) {
  const s = Math.max(0, Math.round((Date.now() - new Date(iso).getTime()) / 1000));
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  return `${Math.floor(s / 3600)} h ago`;
}

async function redrive(name, button) {
  button.disabled = true;
  try {
    const result = await api(`operations/queues/${encodeURIComponent(name)}/redrive`, { method: "POST" });
    notify(`Moved ${result.moved} message${result.moved === 1 ? "" : "s"} from the dead letters of ${name} back to the queue.`, "success");
    await refresh();
  } catch (error) {
    showError(error);
    button.disabled = false;
  }
}

async function refresh() {
  const ops = await api("operations");
  $("#health").replaceChildren(...Object.entries(ops.health).map(([k, v]) => el("div", {},
    el("dt", {}, LABELS[k] || k),
    el("dd", { class: v === "ok" ? "health-ok" : "health-bad" }, v === "ok" ? "✓ healthy" : `✗ ${v}`))));
  $("#queues").replaceChildren(...ops.queues.map((q) => {
    const button = el("button", { type: "button", class: "btn small ghost", "aria-label": `Redrive the dead letters of ${q.name}` }, "Redrive");
    button.addEventListener("click", () => redrive(q.name, button));
    return el("tr", {},
      el("th", { scope: "row" }, el("code", {}, q.name)),
      el("td", { class: "num" }, String(q.visible)),
      el("td", { class: "num" }, String(q.in_flight)),
      el("td", { class: q.dead ? "num health-bad" : "num" }, String(q.dead)),
      el("td", { class: "num" }, q.dead ? button : ""));
  }));
  $("#workers").replaceChildren(...(ops.workers.length ? ops.workers.map((w) => el("tr", {},
    el("th", { scope: "row" }, el("code", {}, w.name)),
    el("td", {}, w.stage),
    el("td", {}, w.current_job ? el("a", { href: `/jobs/${w.current_job}` }, "a job") : el("span", { class: "muted" }, "idle")),
    el("td", { class: "num" }, String(w.processed)),
    el("td", { class: w.failed ? "num health-bad" : "num" }, String(w.failed)),
    el("td", {}, ago(w.last_seen)))) : [el("tr", {}, el("td", { colspan: 6, class: "muted" }, "No worker has reported in the last hour."))]));
  $("#ops-updated").textContent = `updated ${new Date().toLocaleTimeString()}`;
}

every(5000, refresh);
