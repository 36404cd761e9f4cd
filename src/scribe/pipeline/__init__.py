"""Pure stage logic: extraction, transcription, term recognition and transcript formats."""
