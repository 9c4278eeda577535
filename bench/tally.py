"""National tally benchmark (issue 7, "Proof that it works"): `.venv/bin/python bench/tally.py`.

    .venv/bin/python bench/tally.py [--quick] [--urns 600] [--ballots 300000] [--verify-sample N]

600 urns and 300,000 ballots (15 % turnout of 2 million electors) by default; `--quick` runs a
small nation. Every urn is a CCI category: a CCIR question (1–6 seats) and a CCIT question (4–24
seats, at least twice the CCIR's, R713-27), or a CCIT question only; up to twice as many
candidates as seats; urn sizes follow a Zipf-like law (a few large urns, many small ones).

(a) The tally proper, urn by urn: aggregation of the urn's record `ballots.jsonl` with
    `scrutin.record.tally.aggregate_file` (every core), partial decryptions with proofs by the
    president and one assessor (t = 1 of 2, keys from the real key ceremony), checking those proofs
    and combining (`decryption.combine`, which solves the discrete logarithms), and the CCI results
    (`scrutin.core.counting`). The decrypted counts must equal the plaintext totals that were
    drawn, or the bench fails.

    The ballots of (a) are real ElGamal ciphertexts of real 0/1 selections respecting the seat
    limit, under the urn's public key, in the record's ballot JSON; their proof fields hold random
    scalars (the tally does not read proofs). They are made by additions instead of scalar
    multiplications: with a random nonce r_j per slot and a counter n per ballot,
    Enc(m; r_j + n) = (r_j·B + n·B, m·B + r_j·Y + n·Y), where n·B and n·Y advance by one addition per
    ballot: distinct, correctly decryptable ciphertexts. Generation is not timed and is cached
    under var/bench/tally/.

(b) Full independent re-verification of ballot proofs by `scrutin verify`'s ballot checker
    (`scrutin.verify.ballots.check_ballots`, every core) on a sample of real proof-carrying ballots
    drawn from the national mix (urns drawn in proportion to their size), interleaved with the
    libsodium (P-256: OpenSSL) op-count floor of the same ballots (docs/protocol.md §13,
    counted as bench/crypto.py does) run on the same cores; prints the ratio and the time
    extrapolated to every ballot.
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import random
import shutil
import statistics
import sys
import time
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from datetime import date, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from scrutin.core.counting import PRESETS, Ballot, Candidate, Person, Result, count
from scrutin.crypto import dkg
from scrutin.crypto.ballot import BALLOT_FORMAT, ballot_to_json, encrypt_ballot
from scrutin.crypto.decryption import Counts, combine, partial_decrypt
from scrutin.crypto.encoding import encode_scalar, fingerprint
from scrutin.crypto.group import get_group
from scrutin.crypto.params import Candidate as ParamCandidate
from scrutin.crypto.params import (
    CandidateId,
    ElectionId,
    ElectionParameters,
    Fingerprint,
    Question,
    QuestionId,
    parse_parameters,
)
from scrutin.record.simulate import run_ceremony
from scrutin.record.tally import aggregate_file, default_workers, tally_document
from scrutin.record.writer import ballot_line, write_ballots, write_json
from scrutin.verify.ballots import check_ballots
from scrutin.verify.election import read_election

REPO = Path(__file__).resolve().parents[1]
GENERATOR_VERSION = 1  # bump when the generated data changes shape
TURNOUT = 0.15
ZIPF = 0.8  # 600 urns, 300,000 ballots: the largest urn has about 22,000 ballots
CCIT_ONLY = 0.15
BLANK = 0.04
LIBRARY = {"ristretto255": "libsodium", "P-256": "OpenSSL"}


class BenchFailure(RuntimeError):
    """The tally did not reproduce what was cast: the figures would be meaningless."""


def _crypto_bench() -> Any:
    """bench/crypto.py, for its op count and timing helpers (one definition of the floor)."""
    spec = importlib.util.spec_from_file_location(
        "bench_crypto", Path(__file__).with_name("crypto.py")
    )
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- The nation: urn sizes and shapes -----------------------------------------------------------


def urn_sizes(urns: int, ballots: int) -> list[int]:
    """Zipf-like sizes (rank^-ZIPF), at least one ballot each, summing to ``ballots``."""
    weights = [(rank + 1) ** -ZIPF for rank in range(urns)]
    total = sum(weights)
    sizes = [max(1, int(ballots * w / total)) for w in weights]
    rank = 0
    while sum(sizes) < ballots:  # hand out the rounding remainder to the largest urns first
        sizes[rank % urns] += 1
        rank += 1
    while sum(sizes) > ballots:
        sizes[sizes.index(max(sizes))] -= 1
    return sizes


def urn_plan(urns: int, ballots: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(f"plan-{seed}")
    sizes = urn_sizes(urns, ballots)
    rng.shuffle(sizes)
    plan = []
    for index, size in enumerate(sizes):
        ccit_seats = rng.randint(4, 24)
        questions = []
        if rng.random() >= CCIT_ONLY:
            ccir_seats = rng.randint(1, min(6, ccit_seats // 2))
            questions.append(["ccir", rng.randint(ccir_seats, 2 * ccir_seats), ccir_seats])
        questions.append(["ccit", rng.randint(ccit_seats, 2 * ccit_seats), ccit_seats])
        plan.append({"index": index, "size": size, "questions": questions})
    return plan


def ciphertexts_per_ballot(urn: dict[str, Any]) -> int:
    return sum(k + 1 for _, k, _ in urn["questions"])


def print_plan(plan: list[dict[str, Any]]) -> None:
    sizes = sorted((u["size"] for u in plan), reverse=True)
    total = sum(sizes)
    q = statistics.quantiles(sizes, n=10) if len(sizes) > 1 else [sizes[0]] * 9
    bands = [(10_000, None), (1_000, 10_000), (100, 1_000), (0, 100)]
    print(f"nation: {len(plan)} urns, {total:,} ballots (Zipf-like, exponent {ZIPF})")
    print(
        f"  largest urns: {', '.join(f'{s:,}' for s in sizes[:5])}; median {statistics.median(sizes):,.0f}; deciles 10 %/90 %: {q[0]:,.0f}/{q[8]:,.0f}; smallest {sizes[-1]:,}"
    )
    for low, high in bands:
        members = [s for s in sizes if s >= low and (high is None or s < high)]
        label = f"≥ {low:,}" if high is None else f"{low:,}–{high - 1:,}"
        print(
            f"  {label:>13} ballots: {len(members):4} urns, {sum(members) / total:6.1%} of the ballots"
        )
    print(f"  10 largest urns hold {sum(sizes[:10]) / total:.1%} of the ballots")
    only = sum(1 for u in plan if len(u["questions"]) == 1)

    def span(qid: str, field: int) -> str:
        values = [q[field] for u in plan for q in u["questions"] if q[0] == qid]
        return f"{min(values)}–{max(values)}" if values else "-"

    cts = sum(ciphertexts_per_ballot(u) * u["size"] for u in plan) / total
    print(f"  shapes: {len(plan) - only} urns CCIR + CCIT, {only} CCIT only")
    for qid in ("ccir", "ccit"):
        print(f"    {qid.upper()}: seats {span(qid, 2)}, candidates {span(qid, 1)}")
    print(f"  {cts:.1f} ciphertexts per ballot on average (national mix)")


# --- Generated data (cached) -----------------------------------------------------------------------


def make_params(urn: dict[str, Any], group: str, trustees: dict[str, Any]) -> ElectionParameters:
    questions = tuple(
        Question(
            QuestionId(qid),
            qid.upper(),
            tuple(
                ParamCandidate(CandidateId(f"{qid}-{i}"), f"{qid.upper()} candidat {i}")
                for i in range(1, k + 1)
            ),
            m,
        )
        for qid, k, m in urn["questions"]
    )
    return ElectionParameters(
        ElectionId(f"bench-urn-{urn['index']:03d}"),
        f"Urne {urn['index']}",
        group,
        trustees["public_key"],
        Fingerprint(fingerprint(trustees)),
        "00" * 32,
        questions,
    )


def selection_drawer(urn: dict[str, Any], rng: random.Random) -> Callable[[], list[list[int]]]:
    """Voters of this urn: a blank vote now and then, otherwise 1..max candidates drawn with
    per-candidate popularity (weighted sampling without replacement)."""
    popularity = [[0.05 + rng.random() ** 2 for _ in range(k)] for _, k, _ in urn["questions"]]

    def draw() -> list[list[int]]:
        out = []
        for (_, k, m), weights in zip(urn["questions"], popularity, strict=True):
            if rng.random() < BLANK:
                out.append([0] * k)
                continue
            n = rng.randint(1, m)
            keys = sorted(range(k), key=lambda i: rng.random() ** (1 / weights[i]), reverse=True)
            chosen = set(keys[:n])
            out.append([1 if i in chosen else 0 for i in range(k)])
        return out

    return draw


def generate_urn(job: tuple[dict[str, Any], str, str, int]) -> None:
    """One urn's election.json, trustees.json, ballots.jsonl and meta.json (with the trustees'
    shares and the plaintext totals: bench data, not an election)."""
    urn, group_name, directory, seed = job
    out = Path(directory)
    if (out / "meta.json").exists():
        return
    out.mkdir(parents=True, exist_ok=True)
    rng = random.Random(f"urn-{seed}-{urn['index']}")
    ceremony = dkg.Ceremony(
        f"bench-{urn['index']}",
        group_name,
        dkg.TrusteeId("president"),
        (dkg.TrusteeId("a1"), dkg.TrusteeId("a2")),
        1,
    )
    trustees, shares = run_ceremony(ceremony)
    params = make_params(urn, group_name, trustees)
    g = params.group
    y = params.public_key()
    base = g.generator()
    fp = params.fingerprint()
    slots = [(qi, i) for qi, q in enumerate(params.questions) for i in range(q.size + 1)]
    nonces = [g.random_scalar() for _ in slots]
    alphas0 = [g.base_mul(r) for r in nonces]
    betas0 = [[g.mul(y, r), g.add(base, g.mul(y, r))] for r in nonces]  # m = 0, m = 1
    pool = [encode_scalar(g.random_scalar()) for _ in range(1024)]
    draw = selection_drawer(urn, rng)
    n_b, n_y = g.identity(), g.identity()  # n·B and n·Y for ballot n
    totals = [[0] * (q.size + 1) for q in params.questions]
    lines = []
    for n in range(urn["size"]):
        selection = draw()
        values = [[*s, 0 if any(s) else 1] for s in selection]  # choices, then blank
        answers = []
        slot = 0
        for qi, q in enumerate(params.questions):
            cts = []
            for i in range(q.size + 1):
                m = values[qi][i]
                totals[qi][i] += m
                alpha = g.add(alphas0[slot], n_b)
                beta = g.add(betas0[slot][m], n_y)
                cts.append({"alpha": g.encode(alpha).hex(), "beta": g.encode(beta).hex()})
                slot += 1

            def proof(branches: int) -> dict[str, list[str]]:
                return {
                    "challenges": rng.choices(pool, k=branches),
                    "responses": rng.choices(pool, k=branches),
                }

            answers.append(
                {
                    "choices": cts[:-1],
                    "blank": cts[-1],
                    "choice_proofs": [proof(2) for _ in range(q.size)],
                    "blank_proof": proof(2),
                    "overall_proof": proof(q.max + 1),
                }
            )
        doc = {"format": BALLOT_FORMAT, "election": fp, "answers": answers}
        # JCS (RFC 8785) of a document of ASCII strings and lists is exactly this json.dumps;
        # checked against the record writer's own encoding on the first ballot.
        line = json.dumps(doc, sort_keys=True, separators=(",", ":")).encode("ascii")
        if n == 0 and line != ballot_line(doc):
            raise BenchFailure("generated ballot line is not the record's canonical JSON")
        lines.append(line)
        n_b, n_y = g.add(n_b, base), g.add(n_y, y)
    write_json(out / "election.json", params.to_json())
    write_json(out / "trustees.json", trustees)
    digest = write_ballots(out / "ballots.jsonl", lines)
    meta = {
        "urn": urn,
        "digest": digest,
        "shares": {t: encode_scalar(s) for t, s in shares.items()},
        "choices": [row[:-1] for row in totals],
        "blank": [row[-1] for row in totals],
    }
    write_json(out / "meta.tmp", meta)
    os.replace(out / "meta.tmp", out / "meta.json")


def dataset(args: argparse.Namespace, plan: list[dict[str, Any]]) -> Path:
    key = hashlib.sha256(
        json.dumps([GENERATOR_VERSION, args.group, args.urns, args.ballots, args.seed]).encode()
    ).hexdigest()[:12]
    root = REPO / "var" / "bench" / "tally" / f"{args.group}-{args.urns}-{args.ballots}-{key}"
    missing = [u for u in plan if not (root / f"urn-{u['index']:03d}" / "meta.json").exists()]
    if missing:
        free = shutil.disk_usage(REPO).free
        print(
            f"generating {len(missing)} urn(s) in {root} ({free / 2**30:.0f} GiB free) …",
            flush=True,
        )
        start = time.perf_counter()
        jobs = [(u, args.group, str(root / f"urn-{u['index']:03d}"), args.seed) for u in missing]
        jobs.sort(key=lambda j: -j[0]["size"])  # largest first: both cores stay busy to the end
        with ProcessPoolExecutor(default_workers()) as pool:
            list(pool.map(generate_urn, jobs))
        print(f"  generated in {time.perf_counter() - start:.0f} s (not part of any figure)")
    size = sum(f.stat().st_size for f in root.glob("urn-*/ballots.jsonl"))
    print(f"data: {root} ({size / 2**30:.2f} GiB of ballots.jsonl)")
    return root


# --- (a) The tally proper ------------------------------------------------------------------------


def cci_ballot(params: ElectionParameters, counts: Counts, voters: int, registered: int) -> Ballot:
    """The counting library's input for one urn: the CCIT ballot with its CCIR ballot, if any."""
    rules = PRESETS["cci"].rules
    born = date(1950, 1, 1)
    by_id = {q.id: (qi, q) for qi, q in enumerate(params.questions)}

    def candidates(qid: str) -> tuple[Candidate, ...]:
        qi, q = by_id[QuestionId(qid)]
        return tuple(
            Candidate(
                c.name,
                counts.choices[qi][i],
                born + timedelta(days=97 * i + 13 * qi),
                f"Groupement {'ABC'[i % 3]}",
                Person(f"Suppléant de {c.name}", born + timedelta(days=61 * i))
                if qid == "ccir"
                else None,
            )
            for i, c in enumerate(q.candidates)
        )

    regional = None
    if QuestionId("ccir") in by_id:
        qi, q = by_id[QuestionId("ccir")]
        regional = Ballot(
            rules=rules,
            preset="cci",
            seats=q.max,
            registered=registered,
            voters=voters,
            blank=counts.blank[qi],
            candidates=candidates("ccir"),
        )
    qi, q = by_id[QuestionId("ccit")]
    return Ballot(
        rules=rules,
        preset="cci",
        seats=q.max,
        registered=registered,
        voters=voters,
        blank=counts.blank[qi],
        candidates=candidates("ccit"),
        regional=regional,
    )


def tally_urn(directory: Path, workers: int) -> tuple[dict[str, float], Result]:
    """The tally of one urn from its record files; returns the phase times and the result."""
    times: dict[str, float] = {}
    t0 = time.perf_counter()
    params = parse_parameters(json.loads((directory / "election.json").read_bytes()))
    trustees = json.loads((directory / "trustees.json").read_bytes())
    keys = dkg.trustee_keys(trustees)
    meta = json.loads((directory / "meta.json").read_bytes())  # the trustees' devices
    t1 = time.perf_counter()
    aggregate = aggregate_file(params, directory / "ballots.jsonl", workers=workers)
    doc = tally_document(params, aggregate)
    tally_fp = fingerprint(doc)
    t2 = time.perf_counter()
    partials = [
        partial_decrypt(
            params, aggregate.tally, t, keys.ceremony.role(t), int(meta["shares"][t], 16), tally_fp
        )
        for t in ("president", "a1")
    ]
    t3 = time.perf_counter()
    counts = combine(params, keys, aggregate.tally, partials, aggregate.ballot_count, tally_fp)
    t4 = time.perf_counter()
    voters = aggregate.ballot_count
    result = count(cci_ballot(params, counts, voters, round(voters / TURNOUT)))
    t5 = time.perf_counter()
    times.update(load=t1 - t0, aggregate=t2 - t1, partial=t3 - t2, combine=t4 - t3, count=t5 - t4)
    if (counts.choices, counts.blank) != (meta["choices"], meta["blank"]):
        raise BenchFailure(f"{directory.name}: decrypted counts differ from the plaintext totals")
    if voters != meta["urn"]["size"] or doc["ballots"] != meta["digest"]:
        raise BenchFailure(f"{directory.name}: ballot count or file hash differs from the record")
    return times, result


def bench_tally(
    root: Path, plan: list[dict[str, Any]], workers: int, per_point: float, group: str
) -> None:
    print(f"\n(a) tally proper, urn by urn, aggregation on {workers} processes")
    phases: dict[str, float] = {}
    largest = max(plan, key=lambda u: u["size"])
    largest_time = 0.0
    largest_times: dict[str, float] = {}
    elected = undecided = 0
    start = time.perf_counter()
    for urn in plan:
        times, result = tally_urn(root / f"urn-{urn['index']:03d}", workers)
        for k, v in times.items():
            phases[k] = phases.get(k, 0.0) + v
        if urn is largest:
            largest_time = sum(times.values())
            largest_times = times
        elected += len(result.elected) + (len(result.regional.elected) if result.regional else 0)
        undecided += len(result.undecided)
    total = time.perf_counter() - start
    ballots = sum(u["size"] for u in plan)
    print(
        f"  every decrypted count equals the plaintext totals drawn ({len(plan)} urns, {ballots:,} ballots)"
    )
    print(
        f"  results: {elected:,} seats filled (CCIR + CCIT), {undecided} undecided tie(s) reported"
    )
    print(
        f"  NATIONAL TALLY: {total:.1f} s ({total / 60:.1f} min; target < 10 min), {ballots / total:,.0f} ballots/s"
    )
    print("    " + ", ".join(f"{k} {v:.1f} s" for k, v in phases.items()))
    points = sum(2 * ciphertexts_per_ballot(u) * u["size"] for u in plan)
    spent = phases["aggregate"] * workers / points
    print(
        f"  aggregation: {points:,} points, {spent * 1e6:.1f} µs of the cores' time (wall × cores) per point = {spent / per_point:.2f} × one validated addition ({per_point * 1e6:.1f} µs, {LIBRARY[group]})"
    )
    print(
        f"  largest urn ({largest['size']:,} ballots, questions {largest['questions']}): {largest_time:.2f} s"
    )
    print("    " + ", ".join(f"{k} {v:.2f} s" for k, v in largest_times.items()))


def bench_point_addition(group_name: str) -> float:
    """Per-point cost of the ways to validate and add ballot points (why tally.py adds in place);
    returns the cheapest, the floor of an aggregation through the library's API."""
    import pysodium

    from scrutin.record import tally as tally_module

    per_call = _crypto_bench().per_call

    g = get_group(group_name)
    points = [g.encode(g.base_mul(g.random_scalar())) for _ in range(3000)]

    def via_group() -> None:
        acc = g.identity()
        for p in points:
            acc = g.add(acc, g.decode(p))

    def via_pysodium() -> None:
        acc = bytes(32)
        for p in points:
            acc = pysodium.crypto_core_ristretto255_add(acc, p)

    def in_place() -> None:
        sums = tally_module._RistrettoSums(1)
        for p in points:
            sums.add(0, p)

    runs = {"Group.decode + Group.add": via_group}
    if group_name == "ristretto255":
        runs |= {"pysodium add (validates)": via_pysodium, "libsodium add in place": in_place}
    costs = {n: per_call(f, 0.5) / len(points) for n, f in runs.items()}
    figures = [f"{n} {c * 1e6:.1f} µs" for n, c in costs.items()]
    print(f"  validating + adding one point ({group_name}): " + "; ".join(figures))
    return min(costs.values())


# --- (b) Verification of real ballots --------------------------------------------------------------


def encrypt_sample(job: tuple[str, int, int, int]) -> list[bytes]:
    directory, n, seed, part = job
    d = Path(directory)
    params = parse_parameters(json.loads((d / "election.json").read_bytes()))
    meta = json.loads((d / "meta.json").read_bytes())
    draw = selection_drawer(meta["urn"], random.Random(f"sample-{seed}-{d.name}-{part}"))
    g = params.group
    return [ballot_line(ballot_to_json(g, encrypt_ballot(params, draw()))) for _ in range(n)]


def verification_sample(
    root: Path, plan: list[dict[str, Any]], n: int, seed: int
) -> list[tuple[Path, Path]]:
    """(urn directory, file of real proof-carrying ballots) for ``n`` ballots: up to 20 urns
    drawn in proportion to their size (a ballot drawn from the nation), at least 50 ballots each
    (``scrutin verify`` starts its processes once per urn file)."""
    rng = random.Random(f"sample-{seed}-{n}")
    drawn = rng.choices(plan, weights=[u["size"] for u in plan], k=max(1, min(20, n // 50)))
    per_urn: dict[int, int] = {}
    for i, urn in enumerate(drawn):
        per_urn[urn["index"]] = (
            per_urn.get(urn["index"], 0) + n // len(drawn) + (i < n % len(drawn))
        )
    out = root / f"verify-{n}-{seed}"
    out.mkdir(exist_ok=True)
    files = [(root / f"urn-{i:03d}", out / f"urn-{i:03d}.jsonl") for i in sorted(per_urn)]
    todo = [(d, f) for d, f in files if not f.exists()]
    if todo:
        start = time.perf_counter()
        jobs = []
        for d, _ in todo:
            total = per_urn[int(d.name[4:])]
            chunks = max(1, total // 25)
            jobs += [
                (str(d), total // chunks + (c < total % chunks), seed, c) for c in range(chunks)
            ]
        with ProcessPoolExecutor(default_workers()) as pool:
            encrypted = list(pool.map(encrypt_sample, jobs))
        lines: dict[str, list[bytes]] = {}
        for job, got in zip(jobs, encrypted, strict=True):
            lines.setdefault(job[0], []).extend(got)
        for d, f in todo:
            write_ballots(f, lines[str(d)])
        print(
            f"  encrypted {sum(map(len, encrypted)):,} sample ballots with proofs in {time.perf_counter() - start:.0f} s (not part of any figure)"
        )
    return files


def floor_ops(job: tuple[str, int, int]) -> float:
    """Exactly ``base`` fixed-base and ``var`` variable-base scalar multiplications."""
    group_name, base, var = job
    g = get_group(group_name)
    s = g.random_scalar()
    p = g.base_mul(g.random_scalar())
    start = time.perf_counter()
    for _ in range(base):
        g.base_mul(s)
    for _ in range(var):
        g.mul(p, s)
    return time.perf_counter() - start


def bench_verify(
    root: Path, plan: list[dict[str, Any]], args: argparse.Namespace, workers: int
) -> None:
    crypto = _crypto_bench()
    print(
        f"\n(b) independent re-verification of ballot proofs (scrutin.verify, {workers} processes)"
    )
    files = verification_sample(root, plan, args.verify_sample, args.seed)
    g = get_group(args.group)
    scalar = g.random_scalar()
    point = g.base_mul(scalar)
    t_base = crypto.per_call(lambda: g.base_mul(scalar), 0.5)
    t_var = crypto.per_call(lambda: g.mul(point, scalar), 0.5)

    def floor_seconds(questions: list[list[Any]], ballots: int) -> float:
        """Single-core time of the op-count floor of ``ballots`` ballots of this shape."""
        shape = SimpleNamespace(questions=[SimpleNamespace(size=k, max=m) for _, k, m in questions])
        base, var = crypto.minimal_ops(shape)
        return ballots * (base * t_base + var * t_var)

    verify_time = floor_time = sample_floor = 0.0
    ballots = 0
    ratios = []

    def shares(base: int, var: int) -> list[tuple[str, int, int]]:
        """``base`` and ``var`` operations split evenly over the workers."""
        cut = range(workers + 1)
        b = [base * i // workers for i in cut]
        v = [var * i // workers for i in cut]
        return [(args.group, b[i + 1] - b[i], v[i + 1] - v[i]) for i in range(workers)]

    with ProcessPoolExecutor(workers) as pool:
        list(pool.map(floor_ops, [(args.group, 1, 1)] * workers))  # warm the workers up

        def floor_run(base: int, var: int) -> float:
            start = time.perf_counter()
            list(pool.map(floor_ops, shares(base, var)))
            return time.perf_counter() - start

        # Each verification runs between two runs of the floor of the same ballots on the same
        # cores, and is compared with their mean: robust to other load that comes and goes.
        for directory, path in files:
            doc = json.loads((directory / "election.json").read_bytes())
            e = read_election(doc)
            base, var = crypto.minimal_ops(parse_parameters(doc))
            n = sum(1 for _ in path.open("rb"))
            before = floor_run(base * n, var * n)
            start = time.perf_counter()
            outcome = check_ballots(path, e, workers=workers)
            spent = time.perf_counter() - start
            after = floor_run(base * n, var * n)
            if outcome.problems or outcome.valid != n or outcome.duplicates:
                raise BenchFailure(
                    f"{path.name}: the verifier refused real ballots: {outcome.problems[:3]}"
                )
            floor = (before + after) / 2
            verify_time += spent
            floor_time += floor
            ballots += n
            ratios.append(spent / floor)
            meta = json.loads((directory / "meta.json").read_bytes())
            sample_floor += floor_seconds(meta["urn"]["questions"], n)
    ratio = verify_time / floor_time
    rate = ballots / verify_time
    national = sum(u["size"] for u in plan)
    print(
        f"  sample: {ballots:,} real ballots with proofs from {len(files)} urns drawn in proportion to their size; all valid"
    )
    print(f"  verification: {verify_time:.1f} s, {rate:,.1f} ballots/s on {workers} processes")
    print(
        f"  {LIBRARY[args.group]} op-count floor of the same ballots (protocol.md §13) on {workers} processes: {floor_time:.1f} s (mean of the runs before and after each file)"
    )
    print(
        f"  RATIO verify / floor: {ratio:.2f} (target ≤ 1.5; per urn file: median {statistics.median(ratios):.2f}, {min(ratios):.2f}–{max(ratios):.2f})"
    )
    by_ops = (
        verify_time * sum(floor_seconds(u["questions"], u["size"]) for u in plan) / sample_floor
    )
    print(
        f"  EXTRAPOLATED (not measured) to all {national:,} ballots: {by_ops:,.0f} s ({by_ops / 60:.1f} min) weighting by each urn's op count; {national / rate:,.0f} s at the sample's mean rate"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="a small nation (make bench)")
    parser.add_argument("--urns", type=int, default=None, help="number of urns (600)")
    parser.add_argument("--ballots", type=int, default=None, help="ballots in all (300,000)")
    parser.add_argument(
        "--verify-sample", type=int, default=None, help="ballots verified in (b) (2,000)"
    )
    parser.add_argument("--group", default="ristretto255", choices=["ristretto255", "P-256"])
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--skip-verify", action="store_true", help="only (a)")
    args = parser.parse_args()
    args.urns = args.urns or (24 if args.quick else 600)
    args.ballots = args.ballots or (3_000 if args.quick else 300_000)
    args.verify_sample = args.verify_sample or (100 if args.quick else 2_000)
    if args.ballots < args.urns:
        parser.error("at least one ballot per urn")
    workers = default_workers()
    print(f"bench/tally.py: group {args.group}, {workers} cores, Python {sys.version.split()[0]}")
    print(
        f"  load average at start: {os.getloadavg()[0]:.2f} (other work on the machine skews every figure)"
    )
    plan = urn_plan(args.urns, args.ballots, args.seed)
    print_plan(plan)
    root = dataset(args, plan)
    per_point = bench_point_addition(args.group)
    bench_tally(root, plan, workers, per_point, args.group)
    if not args.skip_verify:
        bench_verify(root, plan, args, workers)
    print(f"\nload average at the end: {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except BenchFailure as exc:
        print(f"\nBENCH FAILED: {exc}", file=sys.stderr)
        sys.exit(1)
