"""Sub-commands of ``scribe`` for operators: dead letters, migration, retention."""
