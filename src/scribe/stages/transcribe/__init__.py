"""The transcribe stage: Whisper over the extracted WAV, words with times."""
