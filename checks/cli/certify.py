"""``superpose certify FILE``: decide correctness on every s-sparse input.

Enumerates small input spaces, else searches and asks Z3 (``--method``), and prints PROVED,
REFUTED with a counterexample replayed through the plain evaluator and its ``superpose eval``
command, or UNKNOWN with the reason and the command to rerun. ``--shard I/N`` decides part I of
N and ``--merge`` combines the ``--json`` outputs of shards (checked to be about the same file
by its SHA-256); ``--jobs N`` runs N shards in a process pool and ``--dask [ADDRESS]`` each
shard as a Dask task, both merging what comes back as ``--merge`` does (audited). Exit 0 PROVED,
1 REFUTED, 3 UNKNOWN, 2 bad input, 4 ``--dask`` without the dask extra.
"""

from __future__ import annotations

import json
import os
import secrets
import shlex
import time
from pathlib import Path

from superpose.checks.certification import (
    METHODS,
    audited_merge,
    certificate_from_dict,
    certify,
    certify_in_processes,
)
from superpose.checks.cli._allocator import SEARCH_TRIM_THRESHOLD, tune_allocator
from superpose.checks.cli._args import (
    add_dask,
    add_file,
    add_int,
    add_json,
    add_quiet,
    check_dask,
    dask_session,
    integer,
    positive_float,
    shard,
)
from superpose.checks.cli._progress import counter
from superpose.checks.exit_codes import exit_for
from superpose.circuits.io import load_circuit_and_digest
from superpose.circuits.validate import check_int
from superpose.theory import Verdict
from superpose.theory.errors import InvalidArgument
from superpose.theory.files import NotARegularFile, read_regular

__all__ = ["add_parser", "run"]


def add_parser(sub) -> None:
    p = sub.add_parser("certify", help="decide correctness on every s-sparse input (exit 0 "
                       "proved, 1 refuted, 3 unknown)")
    add_file(p)
    add_int(p, "--sparsity", help="at most this many active features (default: the file's)")
    p.add_argument("--timeout", type=positive_float("timeout"),
                   help="seconds before giving up with UNKNOWN (default: no limit)")
    p.add_argument("--method", choices=METHODS, default="auto",
                   help="auto (default): enumerate small input spaces, else search + Z3")
    p.add_argument("--shard", type=shard, metavar="I/N",
                   help="decide only part I of N (0-based); merge the N --json outputs with "
                        "--merge")
    add_int(p, "--jobs", metavar="N", help="run N shards in a process pool and merge them")
    p.add_argument("--merge", type=Path, nargs="+", metavar="SHARD_JSON",
                   help="merge the --json outputs of shards 0..N-1 of FILE into one verdict "
                        "(every counterexample replayed, every shard checked against FILE "
                        "and spot-checked)")
    add_dask(p, "shard")
    add_int(p, "--shards", metavar="N", help="with --dask: this many shards (default: one per "
            "worker)")
    p.add_argument("--merge-seed", type=integer("merge_seed", minimum=0), metavar="N",
                   help="seed of the spot checks of --merge, --jobs or --dask (default: a fresh "
                        "one, printed)")
    add_json(p)
    add_quiet(p)
    p.set_defaults(run=run)


def run(args) -> int:
    start = time.perf_counter()
    if sum(x is not None for x in (args.shard, args.jobs, args.merge, args.dask)) > 1:
        raise InvalidArgument("--shard, --jobs, --merge and --dask exclude each other; use one")
    if args.merge_seed is not None and args.merge is None and args.dask is None \
            and args.jobs is None:
        raise InvalidArgument("--merge-seed seeds the spot checks of --merge, --jobs and "
                              "--dask; use it with one of them")
    check_dask(args)
    if args.shards is not None:
        if args.dask is None:
            raise InvalidArgument("--shards is the number of Dask tasks of --dask; use it with "
                                  "--dask (or --shard i/n, --jobs n without Dask)")
        check_int("shards", args.shards, minimum=1)
    if args.jobs is not None:
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") \
            else os.cpu_count() or 1
        check_int("jobs", args.jobs, minimum=1, maximum=cores,
                  fix=f"this machine has {cores} core(s) for it; for more shards use "
                      "--shard i/n on several machines and --merge")
    tune_allocator(SEARCH_TRIM_THRESHOLD)  # (checks/cli/_allocator.py)
    # arguments first, then the file (a large one takes seconds to map and hash)
    circuit, digest = load_circuit_and_digest(args.file)  # the sha256 of the bytes loaded
    audit = dask = None
    seed = args.merge_seed if args.merge_seed is not None else secrets.randbits(32)
    if args.merge is not None:
        cert, audit = audited_merge(circuit, [_shard_certificate(p, digest) for p in args.merge],
                                    seed)
    elif args.dask is not None:
        dask = _on_dask(args, circuit, digest, seed)
        cert, audit = dask.certificate, dask.audit
    elif args.jobs is not None:
        cert, audit = certify_in_processes(args.file, args.jobs, seed=seed,
                                           sparsity=args.sparsity, timeout=args.timeout,
                                           method=args.method, loaded=(circuit, digest))
    else:
        with counter(f"certify {args.file.name}", "it", args.quiet) as progress:
            cert = certify(circuit, args.sparsity, args.timeout, args.method,
                           args.shard or (0, 1), progress=progress)
    replay = (f"superpose certify {args.file} --sparsity {cert.sparsity}"
              + (f" --timeout {args.timeout:g}" if args.timeout else "")
              + (f" --method {args.method}" if args.method != "auto" else "")
              + (f" --shard {args.shard[0]}/{args.shard[1]}" if args.shard else ""))
    # the certificate's seconds are the decision's; this adds reading and checking the file
    total = time.perf_counter() - start
    if dask is not None:
        replay += (f" --dask {shlex.quote(args.dask)}" if args.dask else " --dask") \
            + f" --shards {dask.shards} --merge-seed {audit.seed}"
    elif args.jobs is not None:
        replay += f" --jobs {args.jobs} --merge-seed {audit.seed}"
    elif audit is not None:
        replay += " --merge " + " ".join(shlex.quote(str(p)) for p in args.merge) \
            + f" --merge-seed {audit.seed}"
    if args.json:
        print(json.dumps(cert.as_dict() | {"file": str(args.file), "file_sha256": digest,
                                           "replay": replay,
                                           "seconds_with_load": round(total, 3)}
                         | ({"merge": audit.as_dict()} if audit else {})
                         | ({"dask": dask.as_dict() | {"scheduler": args.dask or "local"}}
                            if dask else {}), indent=2))
    else:
        _print(cert, args, replay, total)
        if audit is not None:
            _print_audit(audit)
        if dask is not None:
            print(f"  dask: {dask.shards} shard(s) on {dask.workers} worker(s) "
                  f"({args.dask or 'a LocalCluster of this machine'}), "
                  f"{len(dask.failures)} failed")
    return exit_for([cert.verdict])


def _on_dask(args, circuit, digest: str, seed: int):
    """The shards as Dask tasks, merged and audited (checks.cluster.certify_on_dask)."""
    from superpose.checks.cluster import CONNECT_TIMEOUT, certify_on_dask

    with dask_session(args) as client, \
            counter(f"certify {args.file.name} on Dask", "shard", args.quiet) as progress:
        return certify_on_dask(client, args.file, seed, shards=args.shards,
                               sparsity=args.sparsity, timeout=args.timeout,
                               method=args.method, loaded=(circuit, digest),
                               wait=args.dask_timeout or CONNECT_TIMEOUT, progress=progress)


def _print_audit(audit) -> None:
    """What the merge checked itself (checks.certification.audited_merge)."""
    spots = sum(audit.spot_checked.values())
    print(f"  merge: {audit.replayed} counterexample(s) replayed ({audit.genuine} real), "
          f"{spots} input(s) of {len(audit.spot_checked)} PROVED shard(s) spot-checked "
          f"(seed {audit.seed}: --merge-seed {audit.seed} repeats them)")


def _print(cert, args, replay: str, total: float) -> None:
    """The verdict, what it is about, how long it took (deciding, and with loading the file),
    and how to replay or rerun it."""
    scope = f"{cert.input_space} inputs with at most {cert.sparsity} active features"
    i, n = cert.shard
    if n == 1:
        claim = f"every output of {args.file} is decoded correctly on all {scope}"
    elif cert.method == "exhaustive":
        claim = (f"(shard {i}/{n}) every output of {args.file} is decoded correctly on the "
                 f"{cert.inputs_covered} inputs at positions j = {i} mod {n} of the {scope}")
    else:
        claim = (f"(shard {i}/{n}) every output k = {i} mod {n} of {args.file} is decoded "
                 f"correctly on all {scope}")
    shards = cert.stats.get("shards") if cert.stats else None
    spent = (f"{cert.seconds:.2f}s summed over {shards} shards; {total:.2f}s of wall time"
             if shards else f"{cert.seconds:.2f}s; {total:.2f}s")
    if cert.verdict is Verdict.PROVED:
        print(f"PROVED: {claim} ({cert.method}, {spent} with loading the file)")
    elif cert.verdict is Verdict.REFUTED:
        ex = cert.counterexample
        active = shlex.quote(",".join(map(str, ex.active)))
        print(f"REFUTED: on active={list(ex.active)} output {ex.output} reads {ex.got}, "
              f"expected {ex.expected} (replayed through the plain evaluator; "
              f"{cert.method}, {cert.seconds:.2f}s)")
        print(f"  replay: superpose eval {args.file} --sparsity {cert.sparsity} "
              f"--active {active}")
    else:
        print(f"UNKNOWN: {cert.reason} ({cert.method}, {cert.seconds:.2f}s; "
              f"{cert.inputs_covered} of {scope} evaluated explicitly)")
        print(f"  merge every shard 0..n-1 of one run, or rerun with a longer "
              f"--timeout: {replay}" if args.merge else
              f"  rerun (with a longer --timeout if a shard timed out): {replay}"
              if args.dask is not None else f"  rerun with a longer --timeout: {replay}")


_MAX_SHARD_BYTES = 1 << 24


def _shard_certificate(path: Path, digest: str):
    """One shard's --json output, checked to be about the file being merged (a regular file
    of at most ``_MAX_SHARD_BYTES``: never a device, a FIFO or a huge file)."""
    try:
        doc = json.loads(read_regular(path, _MAX_SHARD_BYTES))
    except NotARegularFile:
        raise InvalidArgument(f"shard file {str(path)!r} must be a regular file of at most "
                              f"{_MAX_SHARD_BYTES} bytes; pass the --json output of "
                              "'superpose certify FILE --shard i/n'") from None
    except OSError as exc:  # missing, a directory, a link loop, no permission
        raise InvalidArgument(f"shard file {str(path)!r} cannot be read ({exc.strerror}); pass "
                              "the --json output of 'superpose certify FILE --shard i/n'") \
            from None
    except (ValueError, RecursionError) as exc:
        raise InvalidArgument(f"shard file {str(path)!r} is not readable JSON ({exc}); pass the "
                              "--json output of 'superpose certify FILE --shard i/n'") from None
    if not isinstance(doc, dict):
        kind = {list: "an array", str: "a string", bool: "a boolean", type(None): "null"}.get(
            type(doc), "a number")
        raise InvalidArgument(f"shard file {str(path)!r} holds {kind}, not a JSON object; pass "
                              "the --json output of 'superpose certify FILE --shard i/n'")
    if doc.get("file_sha256") != digest:
        raise InvalidArgument(f"shard file {str(path)!r} was not made from this circuit file "
                              "(file_sha256 differs); merge shards of the same file")
    return certificate_from_dict(doc)
