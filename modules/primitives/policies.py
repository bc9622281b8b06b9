"""Policy documents as plain data, with no provider binding and no cdktn: the promises every S3 bucket
makes (TLS only, TLS 1.2 or newer, no unencrypted uploads), written once for `SecureBucket` and for the
state-store bootstrap (blueprint/release/state_store.py), which creates its bucket with an SDK.

ARNs may be literal strings or cdktn tokens (which are strings too)."""

from __future__ import annotations

import json
from typing import Any

TLS_ONLY_SID = "DenyInsecureTransport"
OUTDATED_TLS_SID = "DenyOutdatedTLS"
UNENCRYPTED_UPLOADS_SID = "DenyUnencryptedObjectUploads"


def policy_json(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


def s3_transport_statements(bucket_arn: str) -> list[dict[str, Any]]:
    """Deny any request without TLS, and any over TLS older than 1.2."""
    resources = [bucket_arn, f"{bucket_arn}/*"]
    return [
        {
            "Sid": TLS_ONLY_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"Bool": {"aws:SecureTransport": "false"}},
        },
        {
            "Sid": OUTDATED_TLS_SID,
            "Effect": "Deny",
            "Principal": "*",
            "Action": "s3:*",
            "Resource": resources,
            "Condition": {"NumericLessThan": {"s3:TlsVersion": "1.2"}},
        },
    ]


def s3_encrypted_uploads_statement(bucket_arn: str, algorithm: str = "aws:kms") -> dict[str, Any]:
    """A put may omit the header (the bucket default applies) but may not ask for less than `algorithm`."""
    return {
        "Sid": UNENCRYPTED_UPLOADS_SID,
        "Effect": "Deny",
        "Principal": "*",
        "Action": "s3:PutObject",
        "Resource": f"{bucket_arn}/*",
        "Condition": {
            "Null": {"s3:x-amz-server-side-encryption": "false"},
            "StringNotEquals": {"s3:x-amz-server-side-encryption": algorithm},
        },
    }
