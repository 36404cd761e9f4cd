// Shared helpers of every page: API calls with readable errors, DOM building, formatting.

export class ApiError extends Error {
  constructor(message, status, body) {
    super(message);
    this.status = status;
    this.body = body;
  }
}

/** A problem+json response (or anything else) as one sentence a person can read. */
async function errorOf(response) {
  let body = null;
  let message = "";
  try {
    body = await response.json();
    if (body && typeof body.detail === "string") message = body.detail;
    else if (body && Array.isArray(body.detail)) message = body.detail.map((d) => d.msg).join("; ");
  } catch {
    body = null;
  }
  if (!message) {
    message = {
      401: "You need to sign in.",
      403: "Your API key is not allowed to do this.",
      404: "Not found.",
      413: "The file is too large.",
      503: "The service is unavailable right now; try again shortly.",
    }[response.status] || `The server answered ${response.status} ${response.statusText}.`;
  }
  message = message.charAt(0).toUpperCase() + message.slice(1);
  return new ApiError(message, response.status, body);
}

export function toLogin() {
  const next = location.pathname + location.search + location.hash;
  location.assign(`/login?next=${encodeURIComponent(next)}`);
}

/**
 * Call the REST API. `options.json` is sent as JSON; `options.body` as is.
 * Resolves to parsed JSON (or text, or null for 204); rejects with an ApiError.
 */
export async function api(path, options = {}) {
  const init = { method: options.method || "GET", headers: { Accept: "application/json" }, credentials: "same-origin" };
  if (options.json !== undefined) {
    init.body = JSON.stringify(options.json);
    init.headers["Content-Type"] = "application/json";
  } else if (options.body !== undefined) {
    init.body = options.body;
    if (options.contentType) init.headers["Content-Type"] = options.contentType;
  }
  let response;
  try {
    response = await fetch(path.startsWith("/") ? path : `/api/v1/${path}`, init);
  } catch {
    throw new ApiError("Cannot reach the Scribe server. Check your connection and try again.", 0, null);
  }
  if (response.status === 401 && document.body.dataset.auth === "1") {
    toLogin();
  }
  if (!response.ok) throw await errorOf(response);
  if (response.status === 204) return null;
  const type = response.headers.get("content-type") || "";
  return type.includes("json") ? response.json() : response.text();
}

/** The message of an error for people (never a stack trace). */
export function describe(error) {
  if (error instanceof ApiError) return error.message;
  return "Something went wrong in this page. Reload it and try again.";
}

let noticeTimer = null;

/** Show a message at the top of the page; errors stay until dismissed. */
export function notify(message, kind = "info") {
  const box = document.getElementById("notice");
  if (!box) return;
  clearTimeout(noticeTimer);
  box.className = `notice ${kind}`;
  box.setAttribute("role", kind === "error" ? "alert" : "status");
  box.replaceChildren(
    el("span", {}, message),
    el("button", { type: "button", class: "btn small ghost", "aria-label": "Dismiss message", onclick: () => { box.hidden = true; } }, "×"),
  );
  box.hidden = false;
  if (kind !== "error") noticeTimer = setTimeout(() => { box.hidden = true; }, 6000);
}

export function showError(error) {
  if (!(error instanceof ApiError)) console.error(error);
  notify(describe(error), "error");
}

/** Build an element: el("a", {href: "/", class: "x", onclick: fn}, "text", child). */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") node.addEventListener(name.slice(2), value);
    else if (name === "dataset") Object.assign(node.dataset, value);
    else if (name === "text") node.textContent = value;
    else node.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => Array.from(root.querySelectorAll(selector));

/** 75.3 → "1:15"; 3725 → "1:02:05". */
export function clock(seconds) {
  const s = Math.max(0, Math.floor(seconds || 0));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = String(s % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${rest}` : `${m}:${rest}`;
}

/** A duration in words: "0.4 s", "12 s", "3 min 5 s", "1 h 2 min". */
export function duration(seconds) {
  if (seconds === null || seconds === undefined) return "—";
  if (seconds < 10) return `${seconds.toFixed(1)} s`;
  if (seconds < 60) return `${Math.round(seconds)} s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ${Math.round(seconds % 60)} s`;
  return `${Math.floor(seconds / 3600)} h ${Math.round((seconds % 3600) / 60)} min`;
}

export function bytes(n) {
  if (!n) return "—";
  const units = ["B", "KB", "MB", "GB", "TB"];
  let i = 0;
  let v = n;
  while (v >= 1024 && i < units.length - 1) { v /= 1024; i += 1; }
  return `${v < 10 && i ? v.toFixed(1) : Math.round(v)} ${units[i]}`;
}

export function when(iso) {
  if (!iso) return "—";
  const d = new Date(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function percent(x, digits = 0) {
  return x === null || x === undefined ? "—" : `${(x * 100).toFixed(digits)} %`;
}

export const FINAL = new Set(["completed", "failed", "cancelled"]);

export function stateLabel(state) {
  return { recognizing_terms: "finding terms" }[state] || state;
}

export function stateBadge(state) {
  return el("span", { class: `badge state-${state}` }, stateLabel(state));
}

/** A job's name for people. */
export function jobName(job) {
  return job.title || job.filename || job.id;
}

export async function collections() {
  return api("collections");
}

/** Fill a <select> with collections, keeping its first ("any"/"none") option. */
export async function fillCollections(select, selected = "") {
  const list = await collections();
  const first = select.options[0];
  select.replaceChildren(first, ...list.map((c) => el("option", { value: c.id }, c.name)));
  select.value = selected || "";
  return list;
}

// Category colours: dark enough borders and light tints, so text on them keeps its contrast.
const PALETTE = [
  ["#1d4ed8", "#dbeafe"], ["#047857", "#d1fae5"], ["#b45309", "#fef3c7"], ["#7c3aed", "#ede9fe"],
  ["#be123c", "#ffe4e6"], ["#0e7490", "#cffafe"], ["#4d7c0f", "#ecfccb"], ["#c2410c", "#ffedd5"],
  ["#a21caf", "#fae8ff"], ["#334155", "#e2e8f0"], ["#0f766e", "#ccfbf1"], ["#9f1239", "#fce7f3"],
];
// A category's colour comes from its name, so any category the api serves (the lexicon's, the
// recognisers', one an editor adds) gets the same colour on every page: no list kept here.
export function categoryColor(category) {
  const i = Array.from(category).reduce((a, c) => (a * 31 + c.charCodeAt(0)) >>> 0, 7);
  const [strong, tint] = PALETTE[i % PALETTE.length];
  return { strong, tint };
}

export function categoryLabel(category) {
  return category.replace(/_/g, " ");
}

/** Call fn now and every `ms` while the tab is visible; returns a stop function. */
export function every(ms, fn) {
  let timer = null;
  let stopped = false;
  const tick = async () => {
    if (stopped) return;
    if (!document.hidden) {
      try { await fn(); } catch (error) { showError(error); }
    }
    if (!stopped) timer = setTimeout(tick, ms);
  };
  const onVisible = () => { if (!document.hidden && !stopped) { clearTimeout(timer); tick(); } };
  document.addEventListener("visibilitychange", onVisible);
  tick();
  return () => { stopped = true; clearTimeout(timer); document.removeEventListener("visibilitychange", onVisible); };
}

/** Query-string helpers for pages whose state lives in the URL. */
export function param(name) {
  return new URLSearchParams(location.search).get(name) || "";
}

export function setParams(values) {
  const url = new URL(location.href);
  for (const [k, v] of Object.entries(values)) {
    if (v) url.searchParams.set(k, v); else url.searchParams.delete(k);
  }
  history.replaceState(null, "", url);
}

/** Keep only text and <mark> from server HTML (defence in depth for search snippets). */
export function markedText(html) {
  const template = document.createElement("template");
  template.innerHTML = html;
  const out = document.createDocumentFragment();
  for (const node of template.content.childNodes) {
    if (node.nodeType === Node.TEXT_NODE) out.append(node.textContent);
    else if (node.nodeName === "MARK") out.append(el("mark", {}, node.textContent));
    else out.append(node.textContent || "");
  }
  return out;
}
