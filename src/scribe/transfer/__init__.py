"""``scribe migrate``: copy the database and the blobs between backends, and back."""
