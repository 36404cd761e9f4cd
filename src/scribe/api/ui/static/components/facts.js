// A job's facts (audio, transcript, quality, terms) as readable lists, one per group.
import { bytes, duration, el, percent, when } from "./common.js";

const num = (digits, unit = "") => (v) => `${Number(v).toFixed(digits)}${unit}`;
const pct = (v) => percent(v, 1);
const khz = (v) => `${(v / 1000).toFixed(1)} kHz`;
const channels = (v) => (v === 1 ? "mono" : v === 2 ? "stereo" : `${v} channels`);

// Each section: a title and [group, key, label, format]; keys not listed are shown generically.
const SECTIONS = [
  ["Audio", [
    ["audio", "duration", "Length", duration],
    ["audio", "container", "Container", (v) => String(v).split(",")[0]],
    ["audio", "source_codec", "Codec", String],
    ["audio", "source_sample_rate", "Sample rate", khz],
    ["audio", "source_channels", "Channels", channels],
    ["audio", "sample_rate", "Decoded at", khz],
    ["audio", "channels", "Decoded as", channels],
    ["audio", "peak_dbfs", "Peak level", num(1, " dBFS")],
    ["audio", "rms_dbfs", "Average level (RMS)", num(1, " dBFS")],
    ["audio", "silence_ratio", "Silence", (v) => percent(v)],
    ["audio", "gain_db", "Gain applied", num(1, " dB")],
  ]],
  ["Transcript", [
    ["transcript", "language", "Language", String],
    ["transcript", "language_probability", "Language certainty", (v) => percent(v)],
    ["transcript", "model", "Model", String],
    ["transcript", "segments", "Passages", String],
    ["transcript", "words", "Words", String],
    ["transcript", "mean_word_probability", "Mean word confidence", pct],
    ["transcript", "transcribe_seconds", "Transcription time", duration],
    ["transcript", "real_time_factor", "Real-time factor", num(3)],
    ["terms", "occurrences", "Term mentions", String],
    ["terms", "distinct", "Distinct terms", String],
    ["terms", "lexicon_version", "Lexicon version", String],
  ]],
  ["Quality", [
    ["quality", "grade", "Grade", String],
    ["quality", "mean_word_probability", "Mean word confidence", pct],
    ["quality", "share_words_under_0_5", "Words under 50 % confidence", pct],
    ["quality", "share_words_under_0_8", "Words under 80 % confidence", pct],
    ["quality", "words_per_minute", "Words per minute", num(0)],
    ["quality", "speech_ratio", "Speech", (v) => percent(v)],
    ["quality", "term_density_per_100_words", "Terms per 100 words", num(1)],
    ["quality", "no_speech", "No speech found", (v) => (v ? "yes" : "no")],
  ]],
];
// Shown once already under another group.
const SKIP = new Set(["quality.words", "quality.segments", "quality.language", "quality.language_probability"]);

const human = (key) => key.replace(/_/g, " ").replace(/^./, (c) => c.toUpperCase());

function show(value) {
  if (value === null || value === undefined || value === "") return null;
  if (typeof value === "boolean") return value ? "yes" : "no";
  if (typeof value === "object") return JSON.stringify(value);
  return typeof value === "number" && !Number.isInteger(value) ? value.toFixed(3) : String(value);
}

function list(rows) {
  const dl = el("dl", { class: "facts" });
  for (const [label, value] of rows) if (value !== null && value !== undefined) dl.append(el("dt", {}, label), el("dd", {}, value));
  return dl;
}

export function renderFacts(target, job) {
  const facts = job.facts || {};
  const known = new Set(SKIP);
  const o = job.options || {};
  const sections = SECTIONS.map(([title, fields]) => {
    const rows = [];
    for (const [group, key, label, format] of fields) {
      known.add(`${group}.${key}`);
      const value = facts[group] ? facts[group][key] : undefined;
      if (value !== null && value !== undefined) rows.push([label, format(value)]);
    }
    return [title, rows];
  });
  const other = [];
  for (const [group, values] of Object.entries(facts)) {
    if (!values || typeof values !== "object") continue;
    for (const [key, value] of Object.entries(values)) {
      if (!known.has(`${group}.${key}`)) other.push([`${human(group)}: ${human(key).toLowerCase()}`, show(value)]);
    }
  }
  sections[0][1].unshift(["File", `${job.filename} (${bytes(job.size_bytes)})`]);
  sections[1][1].push(["Options", [o.preset && `${o.preset} preset`, o.language && `language ${o.language}`, o.priority && `${o.priority} priority`, o.normalize_loudness ? "loudness normalised" : null].filter(Boolean).join(", ") || "defaults"]);
  const ended = { failed: "Failed", cancelled: "Cancelled" }[job.state] || "Completed";
  if (job.completed_at) sections[1][1].push([ended, when(job.completed_at)]);
  if (job.state === "failed") sections[1][1].push(["Reason", job.error || "no reason was given"]);
  sections[2][1].push(...other);
  target.replaceChildren(...sections.filter(([, rows]) => rows.length).map(([title, rows]) => el("div", {}, el("h3", {}, title), list(rows))));
}
