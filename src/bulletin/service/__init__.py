"""The subscriber web service: the subscribe form with double opt-in, one-click unsubscribe,
the bounce webhook; a layer above `mail` and `store`, below `cli`."""
