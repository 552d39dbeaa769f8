"""The REST API (`/api/…`): routers grouped by resource; each route translates the request
and calls one use-case or query function. Errors are JSON with a Chinese and an English
message: {"error": {"type": "not_found", "zh": "…", "en": "…"}}."""
