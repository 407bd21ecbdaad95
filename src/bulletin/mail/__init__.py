"""Mail: the issue as an email, the subscriber list, the relay, the send log, sending."""
