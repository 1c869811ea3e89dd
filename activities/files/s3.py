"""Blobs as objects in an S3 bucket (AWS S3 or any S3-compatible store) through boto3:
`<prefix><domain>/<subject token>/<sha256>`. The subject token is a hash of the
reference, so a bucket listing names no tenancy or review. Objects hold the sealed
bytes only (activities/files/sealing.py): the bucket never sees a plaintext."""

import hashlib
from typing import Any

from activities.files.names import Subject


def subject_token(subject: Subject) -> str:
    return hashlib.sha256(f"{subject.domain}\x00{subject.ref or ''}".encode()).hexdigest()[:32]


class S3Blobs:
    name = "s3"

    def __init__(
        self,
        bucket: str,
        prefix: str = "",
        endpoint_url: str | None = None,
        client: Any = None,
    ) -> None:
        if client is None:
            import boto3  # imported here: only an S3-backed process pays for it

            # Credentials and region: the standard AWS_* variables, profiles or roles.
            client = boto3.client("s3", endpoint_url=endpoint_url or None)
        self._s3 = client
        self._bucket = bucket
        self._prefix = prefix if not prefix or prefix.endswith("/") else prefix + "/"

    def _key(self, subject: Subject, sha256: str) -> str:
        return f"{self._subject_prefix(subject)}{sha256}"

    def _subject_prefix(self, subject: Subject) -> str:
        return f"{self._prefix}{subject.domain}/{subject_token(subject)}/"

    def put(self, subject: Subject, sha256: str, sealed: bytes, size: int) -> bool:
        from botocore.exceptions import ClientError

        key = self._key(subject, sha256)
        if self._exists(key):
            return False
        try:
            # If-None-Match: of two racing writers, one creates the object; the other
            # is refused (412) and leaves it as it is.
            self._s3.put_object(Bucket=self._bucket, Key=key, Body=sealed, IfNoneMatch="*")
        except ClientError as error:
            if _code(error) in ("PreconditionFailed", "412", "ConditionalRequestConflict"):
                return False
            raise
        return True

    def _exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        try:
            self._s3.head_object(Bucket=self._bucket, Key=key)
        except ClientError as error:
            if _code(error) in ("404", "NoSuchKey", "NotFound"):
                return False
            raise
        return True

    def get(self, subject: Subject, sha256: str) -> bytes | None:
        from botocore.exceptions import ClientError

        try:
            found = self._s3.get_object(Bucket=self._bucket, Key=self._key(subject, sha256))
        except ClientError as error:
            if _code(error) in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        body: bytes = found["Body"].read()
        return body

    def erase_subject(self, subject: Subject) -> int:
        removed = 0
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self._bucket, Prefix=self._subject_prefix(subject)
        )
        for page in pages:
            keys = [{"Key": o["Key"]} for o in page.get("Contents", [])]
            if keys:
                self._s3.delete_objects(Bucket=self._bucket, Delete={"Objects": keys})
                removed += len(keys)
        return removed


def _code(error: Any) -> str:
    return str(error.response.get("Error", {}).get("Code", ""))
