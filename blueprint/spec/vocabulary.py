"""The words of an environment file that every cloud shares: clouds, domains, name and region patterns."""

from __future__ import annotations

from typing import Literal

PREFIX_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
ENV_NAME_PATTERN = r"^[a-z][a-z0-9]{1,9}$"
AWS_REGION_PATTERN = r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-[0-9]$"
GCP_REGION_PATTERN = r"^[a-z]+-[a-z]+[0-9]$"
GCP_PROJECT_PATTERN = r"^[a-z][a-z0-9-]{4,28}[a-z0-9]$"
AZURE_LOCATION_PATTERN = r"^[a-z][a-z0-9]{2,30}$"
UUID_PATTERN = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"
# Tags must be legal GCP labels too (the strictest of the three clouds), so one tag means one thing.
LABEL_KEY_PATTERN = r"^[a-z][a-z0-9_-]{0,62}$"
LABEL_VALUE_PATTERN = r"^[a-z0-9_-]{0,63}$"
RESERVED_NAME_PARTS = ("goog", "g00g", "sthree", "amzn", "xn--", "aws")
DataClassification = Literal["public", "internal", "confidential", "restricted"]
Cloud = Literal["aws", "gcp", "azure"]
CLOUDS: tuple[Cloud, ...] = ("aws", "gcp", "azure")
DOMAINS = ("foundation", "lake", "warehouse", "streaming", "orchestration", "serving")
EVENT_HUBS_PREMIUM_UNITS = (1, 2, 4, 8, 16)
REDSHIFT_MIN_AZS = 3  # a Redshift Serverless workgroup needs subnets in three availability zones
