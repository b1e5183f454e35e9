"""``superpose problems [--json] [--peers]``: the registered problems, built-in and plugins.

One row per problem: name, summary, provider (built-in, or the distribution and version that
registered it through the ``superpose.problems`` entry point group), families and
constructions (the first is the default), its claims (the ledger's ids for a built-in problem,
its own otherwise), what ``superpose verify`` measures, and its status: ``ok``, or ``broken``
with the reason for an entry point that could not be loaded. ``--peers`` builds, at the
smallest size of each problem's verify plan, the default construction beside its peers and
shows their exact counts and errors (no certification). Exit 0, or 2 when a plugin is broken
(the listing is printed first).
"""

from __future__ import annotations

import json

from superpose.checks.cli._args import add_json
from superpose.checks.exit_codes import EXIT_BAD_INPUT, EXIT_OK
from superpose.circuits import (
    ProblemSpec,
    broken_plugins,
    build,
    error_rates,
    exhaustive,
    problem_specs,
)
from superpose.circuits.model import count_sparse_inputs
from superpose.circuits.registry import ENTRY_POINT_GROUP
from superpose.theory import CLAIMS

__all__ = ["add_parser", "problem_rows", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("problems", help="list the registered problems (built-in and plugins, "
                       f"entry point group {ENTRY_POINT_GROUP!r})")
    p.add_argument("--peers", action="store_true",
                   help="build each problem's default construction beside its peer "
                        "constructions at its smallest verify size: counts and errors")
    add_json(p)
    p.set_defaults(run=run)


def problem_rows(peers: bool = False) -> list[dict]:
    """Every registered problem as a dict, then every broken plugin (status ``broken``)."""
    rows = [_row(spec, peers) for spec in problem_specs()]
    for plugin in broken_plugins():
        rows.append({"name": plugin.entry_point, "summary": "", "provider": plugin.provider,
                     "status": "broken", "reason": plugin.reason, "entry_point": plugin.value,
                     "families": [], "constructions": [], "claims": []})
    return rows


def _row(spec: ProblemSpec, peers: bool) -> dict:
    builtin = spec.provider == "built-in"
    claims = ([c.id for c in CLAIMS if spec.name in c.problems] if builtin
              else [c.id for c in spec.claims])
    plan = spec.plan
    row = {"name": spec.name, "summary": spec.summary, "provider": spec.provider,
           "status": "ok", "families": list(spec.families),
           "default_family": spec.default_family,
           "constructions": [{"name": c.name, "notion": c.notion, "epsilon": c.epsilon,
                              "default": i == 0, "readouts": ["and"] + [r for r, _ in c.readouts]}
                             for i, c in enumerate(spec.constructions)],
           "default_construction": spec.default_construction.name,
           "claims": claims, "claims_from": "ledger" if builtin else "problem",
           "verify": ("VerifyConfig (the paper's ledger)" if builtin else
                      {"sizes": list(plan.sizes), "sparsities": list(plan.sparsities),
                       "families": list(plan.families or spec.families),
                       "peers": list(plan.peers)})}
    if peers and plan.peers and not builtin:
        row["peers"] = _peers(spec)
    return row


def _peers(spec: ProblemSpec) -> list[dict]:
    """The default and each peer construction at the plan's smallest size and sparsity."""
    m_prime, s = min(spec.plan.sizes), min(spec.plan.sparsities)
    family = (spec.plan.families or tuple(spec.families))[0]
    out = []
    for construction in (spec.default_construction, *(c for c in spec.constructions
                                                       if c.name in spec.plan.peers)):
        circuit = build(spec.name, m_prime, family, 0, s, 0, construction.name)
        counts = circuit.counts()
        row = {"construction": construction.name, "m_prime": m_prime, "sparsity": s,
               "m": circuit.m, "neurons": counts.neurons, "params": counts.params}
        if construction.notion == "epsilon":
            row["errors"] = {e.readout: e.bit_rate for e in
                             error_rates(circuit, construction.readouts)}
        elif count_sparse_inputs(circuit.m, s) <= 50_000:
            row["wrong_outputs"] = exhaustive(circuit).wrong_outputs
        out.append(row)
    return out


def run(args) -> int:
    rows = problem_rows(args.peers)
    broken = any(r["status"] == "broken" for r in rows)
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_BAD_INPUT if broken else EXIT_OK
    for r in rows:
        if r["status"] == "broken":
            print(f"{r['name']}  BROKEN  ({r['provider']}, entry point {r['entry_point']})")
            print(f"    {r['reason']}")
            continue
        print(f"{r['name']}  ok  ({r['provider']})  {r['summary']}")
        cons = ", ".join(c["name"] + (" (default)" if c["default"] else "")
                         + (f" [epsilon {c['epsilon']:g}]" if c["epsilon"] else "")
                         for c in r["constructions"])
        fams = ", ".join(f + (" (default)" if f == r["default_family"] else "")
                         for f in r["families"])
        print(f"    constructions: {cons}")
        print(f"    families: {fams}")
        print(f"    claims ({r['claims_from']}): {', '.join(r['claims']) or '-'}")
        for p in r.get("peers", ()):
            shown = (", ".join(f"{k} readout error {v:.3g}" for k, v in p["errors"].items())
                     if "errors" in p else f"{p.get('wrong_outputs', '?')} wrong outputs on "
                     "every s-sparse input")
            print(f"    m'={p['m_prime']} s={p['sparsity']}: {p['construction']} "
                  f"{p['neurons']} neurons, {p['params']} params; {shown}")
    print(f"{len(rows)} problems; plugins register under the entry point group "
          f"{ENTRY_POINT_GROUP!r} (paper_notes/problems.md)")
    return EXIT_BAD_INPUT if broken else EXIT_OK
