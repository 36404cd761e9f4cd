"""The lesson library: metadata, review status, find and replace, and publishable exports."""
