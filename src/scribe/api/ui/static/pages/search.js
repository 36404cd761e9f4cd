// Search page: full-text search with time-coded hits that open the player at that moment.
import { $, api, clock, el, fillCollections, markedText, param, setParams, showError } from "../components/common.js";

const PAGE = 50;
let offset = 0;

function hitItem(hit) {
  const href = `/jobs/${hit.job_id}#t=${hit.start}`;
  return el("li", {},
    el("a", { class: "hit-title", href }, hit.job_title || "Untitled lesson"),
    " ", el("a", { href, class: "muted", "aria-label": `Play ${hit.job_title} from ${clock(hit.start)}` }, `${clock(hit.start)}–${clock(hit.end)}`),
    el("p", { class: "snippet" }, markedText(hit.snippet)));
}

async function run(more = false) {
  const q = $("#q").value.trim();
  const collection = $("#s-collection").value;
  const term = $("#s-term").value.trim();
  if (!q && !term) { $("#q").focus(); return; } // a term alone finds every moment it was said
  setParams({ q, collection, term });
  offset = more ? offset + PAGE : 0;
  const params = new URLSearchParams({ limit: String(PAGE), offset: String(offset) });
  if (q) params.set("q", q);
  if (collection) params.set("collection_id", collection);
  if (term) params.set("term", term);
  try {
    const result = await api(`search?${params}`);
    const list = $("#hits");
    if (!more) list.replaceChildren();
    list.append(...result.hits.map(hitItem));
    const total = list.children.length;
    $("#hit-count").textContent = `${total}${result.hits.length === PAGE ? "+" : ""} moment${total === 1 ? "" : "s"}`;
    $("#no-hits").hidden = total > 0;
    $("#no-hits").textContent = q ? `Nothing found for “${q}”${term ? ` where “${term}” was said` : ""}. Try fewer or different words.` : `“${term}” was not said in any lesson.`;
    $("#more-hits").hidden = result.hits.length < PAGE;
  } catch (error) {
    showError(error);
  }
}

async function terms() {
  try {
    const lexicon = await api("lexicon");
    const names = lexicon.categories.flatMap((c) => c.terms.map((t) => t.canonical));
    $("#term-options").replaceChildren(...[...new Set(names)].sort().map((n) => el("option", { value: n })));
  } catch {
    // The term box still works without suggestions.
  }
}

$("#search-form").addEventListener("submit", (e) => { e.preventDefault(); run(); });
$("#more-hits").addEventListener("click", () => run(true));
$("#q").value = param("q");
$("#s-term").value = param("term");
fillCollections($("#s-collection"), param("collection")).catch(showError).finally(() => { if (param("q") || param("term")) run(); else $("#q").focus(); });
terms();
