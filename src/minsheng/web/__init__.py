"""Web: a FastAPI app serving JSON and server-rendered Chinese pages (English on request)."""
