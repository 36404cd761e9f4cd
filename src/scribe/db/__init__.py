"""The database: engine, schema, migrations and repository functions."""
