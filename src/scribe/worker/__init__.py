"""The worker core (take, heartbeat, settle, retry, drain) and its strategies."""
