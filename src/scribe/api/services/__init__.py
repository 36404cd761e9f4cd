"""The logic the api's routes call: routes parse and answer, services decide and store."""
