"""``scribe migrate``: move the database and the blobs between backends, and back."""
