"""The shared file store: forms, outbox submissions and IPR letters (docs/files.md).
store.py (FileStore, the index), blobs.py (the database backend), s3.py (object
storage), sealing.py (encryption with the subject's data key), names.py (plain types).
Nothing is imported here, so workflows can import names.py without SQLAlchemy."""
