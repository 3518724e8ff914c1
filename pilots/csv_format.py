"""The results CSV the administrators upload: its columns and limits, shared by the upload form and the import."""

HEADER = ["series", "date", "value"]
MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
