"""The content: the schema, reading files with their lines, checking, the typed issue."""
