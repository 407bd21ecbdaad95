"""The archive of record: what was published and sent, kept so that nothing a reader received changes without a record."""
