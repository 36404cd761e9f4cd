// The transcript beside the player: words as focusable spans (one tab stop, arrow keys move),
// the current word highlighted while it plays, click or Enter to seek, auto-scroll that pauses
// when the reader scrolls, confidence shading, music terms by category, in-place editing.
import { categoryColor, categoryLabel, clock, el } from "./common.js";

const REDUCED = window.matchMedia("(prefers-reduced-motion: reduce)").matches;

export class TranscriptView {
  /** media: the <video>/<audio>; box: the scrolling container; resume: the resume button. */
  constructor({ media, box, resume, onSave }) {
    this.media = media;
    this.box = box;
    this.resume = resume;
    this.onSave = onSave; // async ({segment, word?, text}) => void
    this.words = []; // {el, start, end, p, seg, idx}
    this.current = -1;
    this.follow = true;
    this.lastAuto = 0;
    this.threshold = 0.6;
    this.hidden = new Set();
    this.readOnly = false;
    this.focusIndex = 0;
    this.pendingSeek = null;
    this.bind();
  }

  bind() {
    const tick = () => {
      this.sync();
      if (!this.media.paused) this.raf = requestAnimationFrame(tick);
    };
    this.media.addEventListener("play", () => { cancelAnimationFrame(this.raf); tick(); });
    for (const name of ["seeked", "pause", "timeupdate"]) this.media.addEventListener(name, () => this.sync());
    this.media.addEventListener("loadedmetadata", () => {
      if (this.pendingSeek !== null) { const t = this.pendingSeek; this.pendingSeek = null; this.seek(t); }
    });
    this.box.addEventListener("scroll", () => {
      if (performance.now() - this.lastAuto > (REDUCED ? 150 : 900)) this.pauseFollow();
    }, { passive: true });
    for (const name of ["wheel", "touchmove"]) this.box.addEventListener(name, () => this.pauseFollow(), { passive: true });
    window.addEventListener("scroll", () => {
      if (!this.ownScroll() && performance.now() - this.lastAuto > (REDUCED ? 150 : 900)) this.pauseFollow();
    }, { passive: true });
    this.resume.addEventListener("click", () => { this.follow = true; this.resume.hidden = true; this.reveal(this.current, true); });
    this.box.addEventListener("click", (e) => {
      const w = e.target.closest(".w");
      if (w && !e.target.closest("input")) { this.focusWord(Number(w.dataset.i), false); this.seekWord(Number(w.dataset.i)); }
      const stamp = e.target.closest(".stamp");
      if (stamp) this.seek(Number(stamp.dataset.t), { play: true });
      const edit = e.target.closest(".edit-seg");
      if (edit) this.editSegment(Number(edit.dataset.seg));
    });
    this.box.addEventListener("dblclick", (e) => {
      const w = e.target.closest(".w");
      if (w) this.editWord(Number(w.dataset.i));
    });
    this.box.addEventListener("keydown", (e) => this.onKey(e));
  }

  /** Whether a word or passage editor is open (a refresh must not replace it). */
  isEditing() {
    return Boolean(this.box.querySelector(".seg-editor, .word-input"));
  }

  pauseFollow() {
    if (!this.follow) return;
    this.follow = false;
    this.resume.hidden = false;
  }

  /** Draw a transcript; terms are occurrences {term, category, start, end, segment}. */
  render(transcript, occurrences, { readOnly = false } = {}) {
    const hadFocus = this.box.contains(document.activeElement);
    this.readOnly = readOnly;
    this.words = [];
    this.current = -1;
    const segments = transcript.segments || [];
    const parts = segments.map((seg, s) => {
      const text = el("p", { class: "text" });
      (seg.words || []).forEach((w, idx) => {
        const i = this.words.length;
        const span = el("span", { class: "w", tabindex: "-1", dataset: { i: String(i) } }, w.text.trim());
        this.words.push({ el: span, start: w.start, end: w.end, p: w.probability, seg: s, idx });
        if (idx && /^\s/.test(w.text)) text.append(" "); // "re-string", "4.4s": no stray spaces
        text.append(span);
      });
      if (!(seg.words || []).length) text.append(seg.text.trim());
      const segIndex = seg.index ?? s;
      return el("div", { class: "seg", dataset: { seg: String(s) } },
        el("button", { type: "button", class: "stamp", dataset: { t: String(seg.start) }, "aria-label": `Play from ${clock(seg.start)}` }, clock(seg.start)),
        text,
        readOnly ? "" : el("button", { type: "button", class: "btn small ghost edit-seg", dataset: { seg: String(segIndex) }, "aria-label": `Edit the passage at ${clock(seg.start)}` }, "Edit"));
    });
    this.segments = segments;
    this.box.replaceChildren(...(parts.length ? parts : [el("p", { class: "muted" }, "No speech was found in this recording.")]));
    this.box.setAttribute("aria-busy", "false");
    if (this.words.length) {
      this.focusIndex = Math.min(this.focusIndex, this.words.length - 1);
      this.words[this.focusIndex].el.tabIndex = 0;
      if (hadFocus) this.words[this.focusIndex].el.focus({ preventScroll: true });
    }
    this.markTerms(occurrences);
    this.shade();
    this.sync();
  }

  markTerms(occurrences) {
    for (const w of this.words) {
      if (!w.el.dataset.category) continue;
      w.el.classList.remove("term");
      delete w.el.dataset.category;
      delete w.el.dataset.term;
      w.el.removeAttribute("title");
    }
    for (const o of occurrences || []) {
      const { strong, tint } = categoryColor(o.category);
      for (const w of this.words) {
        if (w.seg !== o.segment || w.start < o.start - 0.01 || w.end > o.end + 0.01) continue;
        w.el.classList.add("term");
        w.el.dataset.category = o.category;
        w.el.dataset.term = o.term;
        w.el.title = `${o.term} · ${categoryLabel(o.category)}`;
        w.el.style.setProperty("--cat", strong);
        w.el.style.setProperty("--cat-tint", tint);
      }
    }
    this.applyHidden();
  }

  setCategoryHidden(category, hide) {
    if (hide) this.hidden.add(category); else this.hidden.delete(category);
    this.applyHidden();
  }

  applyHidden() {
    for (const w of this.words) {
      if (w.el.dataset.category) w.el.classList.toggle("term", !this.hidden.has(w.el.dataset.category));
    }
  }

  /** Shade words whose probability is below the threshold (0..1); returns how many. */
  shade(threshold = this.threshold) {
    this.threshold = threshold;
    let low = 0;
    for (const w of this.words) {
      const isLow = w.p < threshold;
      w.el.classList.toggle("low", isLow);
      if (isLow) {
        low += 1;
        w.el.style.setProperty("--shade", (0.2 + 0.5 * ((threshold - w.p) / Math.max(threshold, 0.01))).toFixed(2));
      }
      w.el.setAttribute("aria-label", isLow ? `${w.el.textContent} (confidence ${Math.round(w.p * 100)} %)` : w.el.textContent);
    }
    return low;
  }

  /** Seek the player to `t` seconds (after its metadata has loaded). */
  seek(t, { play = false } = {}) {
    if (this.media.readyState < 1) { this.pendingSeek = t; return; }
    this.media.currentTime = Math.max(0, t);
    this.follow = true;
    this.resume.hidden = true;
    if (play) this.media.play().catch(() => {});
    this.sync();
  }

  seekWord(i) {
    if (this.words[i]) this.seek(this.words[i].start, { play: true });
  }

  indexAt(t) {
    let lo = 0;
    let hi = this.words.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (this.words[mid].start <= t + 0.001) { found = mid; lo = mid + 1; } else hi = mid - 1;
    }
    if (found >= 0 && t > this.words[found].end + 1.0) return -1;
    return found;
  }

  sync() {
    const i = this.indexAt(this.media.currentTime);
    if (i === this.current) return;
    if (this.current >= 0 && this.words[this.current]) this.words[this.current].el.classList.remove("current");
    this.current = i;
    if (i < 0) return;
    this.words[i].el.classList.add("current");
    if (this.follow) this.reveal(i, false);
  }

  /** Whether the transcript scrolls inside its box (wide screens) or with the page (phones,
   * where the player stays stuck on top). */
  ownScroll() {
    return this.box.scrollHeight > this.box.clientHeight + 1 && getComputedStyle(this.box).overflowY !== "visible";
  }

  /** Scroll the page so word i sits in the upper third of what the stuck player leaves. */
  revealInPage(w, force) {
    const player = document.querySelector(".job-layout > .player");
    const stuck = player && getComputedStyle(player).position === "sticky" ? player.getBoundingClientRect().bottom : 0;
    const r = w.el.getBoundingClientRect();
    const top = Math.max(0, stuck);
    if (!force && r.top >= top + 8 && r.bottom <= window.innerHeight - 40) return;
    this.lastAuto = performance.now();
    window.scrollBy({ top: r.top - (top + (window.innerHeight - top) / 3), behavior: REDUCED ? "auto" : "smooth" });
  }

  /** Scroll the container (not the page) so word i sits in its upper third. */
  reveal(i, force) {
    const w = this.words[i];
    if (!w) return;
    if (!this.ownScroll()) { this.revealInPage(w, force); return; }
    const box = this.box.getBoundingClientRect();
    const r = w.el.getBoundingClientRect();
    if (!force && r.top >= box.top + 8 && r.bottom <= box.bottom - 40) return;
    this.lastAuto = performance.now();
    this.box.scrollTo({ top: this.box.scrollTop + (r.top - box.top) - box.height / 3, behavior: REDUCED ? "auto" : "smooth" });
  }

  focusWord(i, move = true) {
    if (!this.words[i]) return;
    for (const w of this.words) if (w.el.tabIndex === 0) w.el.tabIndex = -1;
    this.words[i].el.tabIndex = 0;
    this.focusIndex = i;
    if (move) this.words[i].el.focus();
  }

  onKey(e) {
    const w = e.target.closest && e.target.closest(".w");
    if (!w || e.target.tagName === "INPUT") return;
    const i = Number(w.dataset.i);
    const seg = this.words[i].seg;
    const firstOf = (s) => this.words.findIndex((x) => x.seg === s);
    let to = null;
    switch (e.key) {
      case "ArrowRight": to = i + 1; break;
      case "ArrowLeft": to = i - 1; break;
      case "ArrowDown": to = firstOf(seg + 1); break;
      case "ArrowUp": to = firstOf(Math.max(0, seg - 1)); break;
      case "Home": to = firstOf(seg); break;
      case "End": to = this.words.findLastIndex((x) => x.seg === seg); break;
      case "Enter": case " ": e.preventDefault(); this.seekWord(i); return;
      case "F2": case "e": case "E": if (!this.readOnly) { e.preventDefault(); this.editWord(i); } return;
      default: return;
    }
    e.preventDefault();
    if (to !== null && to >= 0 && to < this.words.length) this.focusWord(to);
  }

  editWord(i) {
    if (this.readOnly) return;
    this.pauseFollow(); // the line being edited must not scroll away
    const w = this.words[i];
    const before = w.el.textContent;
    const input = el("input", { type: "text", class: "word-input", value: before, "aria-label": `New text for the word “${before}”`, size: Math.max(3, before.length + 2) });
    let done = false;
    const finish = async (save) => {
      if (done) return;
      done = true;
      const text = input.value.trim();
      input.replaceWith(w.el);
      w.el.focus();
      if (save && text && text !== before) {
        w.el.textContent = text;
        w.el.classList.add("edited");
        await this.onSave({ segment: this.segments[w.seg].index ?? w.seg, word: w.idx, text }, before, () => { w.el.textContent = before; });
      }
    };
    input.addEventListener("keydown", (e) => {
      if (e.key === "Enter") { e.preventDefault(); finish(true); }
      if (e.key === "Escape") { e.preventDefault(); finish(false); }
    });
    input.addEventListener("blur", () => finish(true));
    w.el.replaceWith(input);
    input.focus();
    input.select();
  }

  editSegment(segIndex) {
    if (this.readOnly) return;
    const s = this.segments.findIndex((seg, n) => (seg.index ?? n) === segIndex);
    const row = this.box.querySelector(`.seg[data-seg="${s}"]`);
    if (!row || row.querySelector(".seg-editor")) return;
    this.pauseFollow();
    const p = row.querySelector(".text");
    const before = this.segments[s].text.trim();
    const id = `seg-edit-${s}`;
    const area = el("textarea", { id, rows: 3 });
    area.value = before;
    const editor = el("div", { class: "seg-editor" },
      el("label", { for: id, class: "sr-only" }, `Text of the passage at ${clock(this.segments[s].start)}`),
      area,
      el("div", { class: "row" },
        el("button", { type: "button", class: "btn small", "data-action": "save" }, "Save"),
        el("button", { type: "button", class: "btn small ghost", "data-action": "cancel" }, "Cancel"),
        el("small", { class: "muted" }, "Ctrl+Enter saves, Escape cancels")));
    const close = () => { editor.replaceWith(p); row.querySelector(".edit-seg")?.focus(); };
    const save = async () => {
      const text = area.value.trim();
      if (!text || text === before) { close(); return; }
      editor.querySelectorAll("button").forEach((b) => { b.disabled = true; });
      const ok = await this.onSave({ segment: segIndex, text }, before, () => {});
      if (ok === false) editor.querySelectorAll("button").forEach((b) => { b.disabled = false; });
    };
    editor.addEventListener("click", (e) => {
      const action = e.target.closest("[data-action]")?.dataset.action;
      if (action === "save") save();
      if (action === "cancel") close();
    });
    area.addEventListener("keydown", (e) => {
      if (e.key === "Escape") { e.preventDefault(); close(); }
      if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) { e.preventDefault(); save(); }
    });
    p.replaceWith(editor);
    area.focus();
  }
}
