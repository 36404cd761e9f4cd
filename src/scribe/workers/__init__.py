"""Stage workers: the consume loop and one handler per stage."""
