// Download names after the lesson, as the server gives them: `lesson-1-pentatonic-warm-up`.

export function slug(text) {
  return text.normalize("NFKD").replace(/[^\x00-\x7f]/g, "").toLowerCase().replace(/[^a-z0-9]+/g, "-").replace(/^-+|-+$/g, "");
}

/** The title (else the file name) as a slug, led by `lesson-<n>-` when numbered. */
export function downloadBase(job) {
  let stem = slug(job.title || "") || slug(job.filename.replace(/\.[^.]*$/, "")) || "transcript";
  if (job.lesson_number !== null && job.lesson_number !== undefined && !stem.startsWith("lesson")) stem = `lesson-${job.lesson_number}-${stem}`;
  return stem;
}
