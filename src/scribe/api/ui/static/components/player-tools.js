// Player tools of the job page: playback speed, looping one passage, and keyboard shortcuts
// that work from anywhere on the player, transcript and terms (not while typing):
// K play/pause, J back 5 s, L forward 5 s, N / P next / previous passage.
import { clock } from "./common.js";

const SPEED_KEY = "scribe.speed";

/** media: the player; view: the TranscriptView; scope: the element the shortcuts work in;
 * speed: a <select>; loop: a checkbox; status: where to say what a shortcut did. */
export function installPlayerTools({ media, view, scope, speed, loop, status }) {
  const saved = Number(localStorage.getItem(SPEED_KEY));
  if (saved && [...speed.options].some((o) => Number(o.value) === saved)) speed.value = String(saved);
  const applySpeed = () => { media.playbackRate = Number(speed.value) || 1; };
  media.addEventListener("loadedmetadata", applySpeed);
  media.addEventListener("play", applySpeed);
  speed.addEventListener("change", () => { applySpeed(); localStorage.setItem(SPEED_KEY, speed.value); });
  applySpeed();

  let looped = null; // the segment (array position) being looped
  const mark = () => {
    for (const row of view.box.querySelectorAll(".seg.looping")) row.classList.remove("looping");
    if (looped !== null) view.box.querySelector(`.seg[data-seg="${looped}"]`)?.classList.add("looping");
  };
  const segmentNow = () => {
    const t = media.currentTime;
    const segs = view.segments || [];
    let found = 0;
    segs.forEach((s, n) => { if (s.start <= t + 0.01) found = n; });
    return segs.length ? found : null;
  };
  loop.addEventListener("change", () => {
    looped = loop.checked ? segmentNow() : null;
    mark();
    const seg = looped !== null ? view.segments[looped] : null;
    status.textContent = seg ? `Looping the passage at ${clock(seg.start)}.` : "Loop off.";
  });
  media.addEventListener("timeupdate", () => {
    if (looped === null || !view.segments || !view.segments[looped]) return;
    const seg = view.segments[looped];
    if (media.currentTime >= seg.end || media.currentTime < seg.start - 0.5) {
      media.currentTime = seg.start;
      if (media.paused) return;
    }
  });

  const go = (delta) => {
    const segs = view.segments || [];
    if (!segs.length) return;
    const now = segmentNow() ?? 0;
    const to = Math.max(0, Math.min(segs.length - 1, now + delta));
    if (looped !== null) { looped = to; mark(); }
    view.seek(segs[to].start, { play: !media.paused });
    const first = view.words.findIndex((w) => w.seg === to);
    if (first >= 0 && view.box.contains(document.activeElement)) view.focusWord(first);
    status.textContent = `Passage at ${clock(segs[to].start)}.`;
  };
  scope.addEventListener("keydown", (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey || e.defaultPrevented) return;
    if (e.target.closest && e.target.closest("input, textarea, select, [contenteditable]")) return;
    switch (e.key.toLowerCase()) {
      case "k":
        if (media.paused) media.play().catch(() => {}); else media.pause();
        break;
      case "j":
        media.currentTime = Math.max(0, media.currentTime - 5);
        status.textContent = `Back to ${clock(media.currentTime)}.`;
        break;
      case "l":
        media.currentTime = Math.min(media.duration || Infinity, media.currentTime + 5);
        break;
      case "n": go(1); break;
      case "p": go(-1); break;
      default: return;
    }
    e.preventDefault();
  });
  return { rerender: mark };
}
