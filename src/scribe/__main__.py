"""``python -m scribe``."""

from scribe.cli import main

main()
