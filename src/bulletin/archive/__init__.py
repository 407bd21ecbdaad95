"""The archive of record: what went out (sent or published), kept so that nothing a reader
received changes without a record."""
