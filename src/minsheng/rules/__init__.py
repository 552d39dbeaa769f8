"""The rules engine: pure (frames in, frames out; never the database)."""
