"""The extract stage: media in, 16 kHz mono WAV and audio facts out."""
