"""Batched decoding: VAD chunks of one or many files through Whisper together."""
