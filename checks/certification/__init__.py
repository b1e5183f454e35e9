"""Certification on every s-sparse input (search, Z3, exhaustive), shards and their merge, and
repair by vetoes, each kept circuit certified."""

from superpose.checks.certification._certify import METHODS, Certificate, certify
from superpose.checks.certification._merge import (
    SPOT_INPUTS,
    MergeAudit,
    audited_merge,
    merge_returned,
)
from superpose.checks.certification._pool import certify_in_processes
from superpose.checks.certification._repair import MAX_VETOES, Repair, repair
from superpose.checks.certification._shard import (
    certificate_from_dict,
    merge_shards,
    parse_shard,
)

__all__ = [
    "audited_merge",
    "Certificate",
    "certificate_from_dict",
    "certify",
    "certify_in_processes",
    "MAX_VETOES",
    "merge_shards",
    "merge_returned",
    "MergeAudit",
    "METHODS",
    "parse_shard",
    "Repair",
    "repair",
    "SPOT_INPUTS",
]
