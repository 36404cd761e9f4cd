"""Lexicon biasing around decoding: prompts, a second pass, and correction."""
