"""Server-rendered pages (the caseworker's desk): one module per page, thin routes that call
the same use cases and queries as the API; text from the message catalogue."""
