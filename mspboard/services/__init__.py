"""The rules. Plain functions that change state and flush; the caller commits."""
