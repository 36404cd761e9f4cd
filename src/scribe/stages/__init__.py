"""The three stages' work: extract (FFmpeg), transcribe (Whisper), terms (spaCy).

A stage knows the blob store and the artifact layout, never queues or the database."""
