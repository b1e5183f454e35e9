"""``superpose claims``: list the claims ledger.

One row per claim: id, kind, quantity, problem, the construction an upper bound's verdict is
about ("-": the claim is about the problem), bound and source (``--json``: every field of each
claim, its statement, assumptions, checks and bounds included). Exit 0.
"""

from __future__ import annotations

import json

from superpose.checks.cli._args import add_json
from superpose.checks.exit_codes import EXIT_OK
from superpose.theory import CLAIMS

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("claims", help="list the claims ledger")
    add_json(p)
    p.set_defaults(run=run)


def run(args) -> int:
    rows = [{"id": c.id, "kind": c.kind, "quantity": c.quantity, "problem": c.problem,
             "construction": c.construction or None, "bound": c.bound,
             "statement": c.statement, "source": c.source,
             "assumptions": list(c.assumptions), "checks": list(c.checks),
             "bounds": [{"quantity": q, "bound": b} for q, b in c.bounds]} for c in CLAIMS]
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    print(f"{'ID':<16} {'KIND':<9} {'QUANTITY':<9} {'PROBLEM':<16} {'CONSTRUCTION':<14} "
          f"{'BOUND':<34} SOURCE")
    for r in rows:
        print(f"{r['id']:<16} {r['kind']:<9} {r['quantity']:<9} {r['problem']:<16} "
              f"{r['construction'] or '-':<14} {r['bound']:<34} {r['source']}")
    return EXIT_OK
