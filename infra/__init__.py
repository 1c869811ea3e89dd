"""Infrastructure: configuration, logging, the payload codec and its key store."""
