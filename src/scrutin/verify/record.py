"""``scrutin verify DIR``: re-check a whole record (docs/protocol.md §12 lists the checks)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import nacl.exceptions
import nacl.signing

from scrutin.crypto.encoding import EncodingError, canonical_json, fingerprint
from scrutin.crypto.group import Group, get_group
from scrutin.verify.ballots import check_ballots
from scrutin.verify.documents import (
    ENVIRONMENT,
    MAX_DOCUMENT,
    Malformed,
    array,
    digest,
    environment,
    integer,
    load,
    obj,
    point,
    scalar,
    string,
)
from scrutin.verify.election import Election, read_election
from scrutin.verify.equations import decryption_ok, feldman_image, lagrange_at_zero, schnorr_ok
from scrutin.verify.report import Report
from scrutin.verify.seals import URN_CLOSING, check_shape, signature_ok

DOCUMENTS = (
    "election.json",
    "trustees.json",
    "ballots.jsonl",
    "closing.json",
    "tally.json",
    "decryptions.json",
    "result.json",
)
MAX_PROBLEMS_SHOWN = 20


def _quorum(threshold: int, assessors: int) -> str:
    """« le dépouillement demande le président et au moins 1 des 2 assesseurs »."""
    if threshold >= assessors:
        who = "l'assesseur" if assessors == 1 else f"les {assessors} assesseurs"
    else:
        who = f"au moins {threshold} des {assessors} assesseurs"
    return f"le dépouillement demande le président (ou son support de secours) et {who}"


def _fp(doc: object, where: str) -> str:
    try:
        return fingerprint(doc)
    except EncodingError as exc:
        raise Malformed(f"{where} : {exc}") from exc


def _file_sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def check_manifest(directory: Path, report: Report) -> dict[str, Any] | None:
    try:
        m = obj(
            load(directory / "manifest.json"),
            {"format", "election", "documents", "signature"},
            "manifest",
            optional={ENVIRONMENT},
        )
        if environment(m, "manifest"):
            report.from_test("manifest.json")
        if m["format"] != "scrutin-record/v1":
            raise Malformed("manifest.format : 'scrutin-record/v1' attendu")
        digest(m["election"], "manifest.election")
        docs = obj(m["documents"], set(DOCUMENTS), "manifest.documents")
        for name in DOCUMENTS:
            digest(docs[name], f"manifest.documents[{name!r}]")
        digest(m["signature"], "manifest.signature", 64)
    except Malformed as exc:
        report.fail("Manifeste du registre", str(exc))
        return None
    bad = []
    for name in DOCUMENTS:
        path = directory / name
        if not path.is_file():
            bad.append(f"{name} absent")
        elif _file_sha256(path) != docs[name]:
            bad.append(f"{name} modifié (empreinte différente)")
    # any other entry, hidden files and directories included, is refused
    expected = set(DOCUMENTS) | {"manifest.json"}
    extra = sorted(p for p in directory.iterdir() if p.name not in expected)
    bad += [f"{'répertoire' if p.is_dir() else 'fichier'} inattendu {p.name}" for p in extra]
    if bad:
        report.fail("Empreintes des documents", "; ".join(bad))
    else:
        report.ok("Empreintes des documents", f"{len(DOCUMENTS)} documents conformes au manifeste")
    return m


def check_signature(m: dict[str, Any], e: Election, report: Report) -> None:
    unsigned = {k: v for k, v in m.items() if k != "signature"}
    try:
        nacl.signing.VerifyKey(e.platform_key).verify(
            canonical_json(unsigned), bytes.fromhex(m["signature"])
        )
    except (nacl.exceptions.BadSignatureError, nacl.exceptions.ValueError, ValueError, TypeError):
        report.fail(
            "Signature du manifeste", "signature Ed25519 invalide pour la clé de la plate-forme"
        )
        return
    if m["election"] != e.fingerprint:
        report.fail("Signature du manifeste", "le manifeste désigne une autre élection")
        return
    report.ok(
        "Signature du manifeste", f"Ed25519, clé de la plate-forme {e.platform_key.hex()[:16]}…"
    )


def check_trustees(doc: object, e: Election, report: Report) -> dict[str, Any] | None:
    """Return {'president': id, 'threshold': t, 'keys': {id: point}, 'index': {id: i}}."""
    g = e.group
    name = "Cérémonie des clés (gardiens)"
    try:
        d = obj(doc, {"format", "ceremony", "president", "assessors", "public_key"}, "trustees")
        if d["format"] != "scrutin-trustees/v1":
            raise Malformed("trustees.format : 'scrutin-trustees/v1' attendu")
        if _fp(d, "trustees") != e.trustees:
            raise Malformed("trustees.json ne correspond pas à l'empreinte citée par election.json")
        c = obj(
            d["ceremony"],
            {"format", "ceremony_id", "group", "president", "assessors", "threshold"},
            "trustees.ceremony",
        )
        if c["format"] != "scrutin-ceremony/v1" or c["group"] != e.group_name:
            raise Malformed("trustees.ceremony : format ou groupe inattendu")
        string(c["ceremony_id"], "trustees.ceremony.ceremony_id")
        president = string(c["president"], "trustees.ceremony.president")
        ids = [
            string(a, "trustees.ceremony.assessors[]")
            for a in array(c["assessors"], "trustees.ceremony.assessors")
        ]
        if not ids or len(set(ids)) != len(ids) or president in ids:
            raise Malformed("trustees.ceremony : gardiens en double ou aucun assesseur")
        t = integer(c["threshold"], "trustees.ceremony.threshold", 1, len(ids))
        cfp = bytes.fromhex(_fp(c, "trustees.ceremony"))
        p = obj(d["president"], {"id", "public_key", "pok"}, "trustees.president")
        if p["id"] != president:
            raise Malformed("trustees.president.id : différent de la cérémonie")
        yp = point(g, p["public_key"], "trustees.president.public_key")
        pok = obj(p["pok"], {"challenge", "response"}, "trustees.president.pok")
        if not schnorr_ok(
            g,
            cfp,
            president,
            yp,
            scalar(g, pok["challenge"], "pok"),
            scalar(g, pok["response"], "pok"),
        ):
            raise Malformed("trustees.president.pok : preuve de connaissance invalide")
        assessors = array(d["assessors"], "trustees.assessors", len(ids))
        commitments: list[list[Any]] = []
        for i, a in enumerate(assessors):
            w = f"trustees.assessors[{i}]"
            a = obj(a, {"id", "index", "commitments", "pok", "verification_key"}, w)
            if a["id"] != ids[i] or a["index"] != i + 1:
                raise Malformed(f"{w} : identifiant ou indice différent de la cérémonie")
            cs = [
                point(g, x, f"{w}.commitments")
                for x in array(a["commitments"], f"{w}.commitments", t)
            ]
            pk = obj(a["pok"], {"challenge", "response"}, f"{w}.pok")
            if not schnorr_ok(
                g,
                cfp,
                ids[i],
                cs[0],
                scalar(g, pk["challenge"], f"{w}.pok"),
                scalar(g, pk["response"], f"{w}.pok"),
            ):
                raise Malformed(f"{w}.pok : preuve de connaissance invalide")
            commitments.append(cs)
        keys: dict[str, Any] = {president: yp}
        index: dict[str, int] = {}
        for i, a in enumerate(assessors):
            expected = g.sum([feldman_image(g, cs, i + 1) for cs in commitments])
            if not g.equal(
                point(g, a["verification_key"], f"trustees.assessors[{i}].verification_key"),
                expected,
            ):
                raise Malformed(
                    f"trustees.assessors[{i}].verification_key : incohérente avec les engagements"
                )
            keys[ids[i]] = expected
            index[ids[i]] = i + 1
        y = yp
        for cs in commitments:
            y = g.add(y, cs[0])
        if not g.equal(point(g, d["public_key"], "trustees.public_key"), y):
            raise Malformed("trustees.public_key : différente de la somme des engagements")
        if not g.equal(e.public_key(), y):
            raise Malformed("election.public_key : différente de la clé issue de la cérémonie")
    except Malformed as exc:
        report.fail(name, str(exc))
        return None
    report.ok(name, f"{_quorum(t, len(ids))} ; clé publique cohérente")
    return {"president": president, "threshold": t, "keys": keys, "index": index}


def check_closing(doc: object, e: Election, count: int, sha256: str, report: Report) -> None:
    """The urn's closing seal (§11, §14.2): signed by the election's platform key, for this
    election, sealing exactly this ballots file, with as many émargements as ballots."""
    name = "Scellement de clôture"
    try:
        if not isinstance(doc, dict):
            raise Malformed("closing : objet JSON attendu")
        c: dict[str, Any] = doc
        if c.get("format") != URN_CLOSING:
            raise Malformed(f"closing.format : {URN_CLOSING!r} attendu")
        check_shape(c, "closing")
        if c["platform_key"] != e.platform_key.hex():
            raise Malformed("closing.platform_key : différente de celle de election.json")
        if not signature_ok(c):
            raise Malformed("closing.signature : signature Ed25519 invalide")
        if c["election"] != e.fingerprint:
            raise Malformed("closing.election : scellement d'une autre élection")
        ballots, emargements = c["ballots"], c["emargements"]
        if ballots["count"] != count:
            raise Malformed(
                f"closing.ballots : {ballots['count']} bulletin(s) scellé(s), {count} dans "
                "ballots.jsonl"
            )
        if ballots["sha256"] != sha256:
            raise Malformed("closing.ballots.sha256 : différente de l'empreinte de ballots.jsonl")
        if emargements["count"] != ballots["count"]:
            raise Malformed(
                f"closing : {ballots['count']} bulletin(s) pour {emargements['count']} "
                "émargement(s) (Code de commerce R713-24)"
            )
    except Malformed as exc:
        report.fail(name, str(exc))
        return
    if ENVIRONMENT in c:  # check_shape accepted only "test"
        report.from_test("closing.json")
    report.ok(
        name, f"{count} bulletins = {count} émargements, scellés à la clôture de l'urne {c['urn']}"
    )


def count_bounds_problem(counts: list[int], blank: int, maximum: int, n: int) -> str | None:
    """§12 check 8: a question's counts are possible for ``n`` ballots: ``blank ≤ n`` and
    ``n − blank ≤ Σ counts ≤ max·(n − blank)`` (each ballot not blank names 1 to max
    candidates). ``None`` when they are, else the French reason."""
    if blank > n:
        return f"{blank} votes blancs pour {n} bulletins"
    total, voting = sum(counts), n - blank
    if total > maximum * voting:
        return f"plus de voix que permis ({total} > {maximum} × {voting})"
    if total < voting:
        return f"moins de voix que de bulletins non blancs ({total} < {voting})"
    return None


def _tally_cts(g: Group[Any], doc: object, e: Election) -> list[list[tuple[Any, Any]]]:
    answers = array(doc, "tally.answers", len(e.questions))
    out = []
    for qi, ((k, _), a) in enumerate(zip(e.questions, answers, strict=True)):
        a = obj(a, {"choices", "blank"}, f"tally.answers[{qi}]")
        row = []
        for i, c in enumerate(
            [*array(a["choices"], f"tally.answers[{qi}].choices", k), a["blank"]]
        ):
            w = f"tally.answers[{qi}][{i}]"
            c = obj(c, {"alpha", "beta"}, w)
            row.append(
                (point(g, c["alpha"], w, identity=True), point(g, c["beta"], w, identity=True))
            )
        out.append(row)
    return out


def verify_record(directory: Path, workers: int | None = None) -> Report:
    report = Report()
    if not directory.is_dir():
        report.fail("Registre", f"{directory} n'est pas un répertoire")
        return report
    manifest = check_manifest(directory, report)
    try:
        e = read_election(load(directory / "election.json"))
    except Malformed as exc:
        report.fail("Paramètres de l'élection", str(exc))
        return report
    report.ok("Paramètres de l'élection", f"groupe {e.group_name}, empreinte {e.fingerprint}")
    g = get_group(e.group_name)
    if manifest is not None:
        check_signature(manifest, e, report)
    try:
        trustees = check_trustees(load(directory / "trustees.json"), e, report)
    except Malformed as exc:
        report.fail("Cérémonie des clés (gardiens)", str(exc))
        trustees = None

    # Ballots
    path = directory / "ballots.jsonl"
    if not path.is_file():
        report.fail("Bulletins", "ballots.jsonl absent")
        return report
    outcome = check_ballots(path, e, workers)
    if outcome.problems:
        shown = "; ".join(f"ligne {n} : {msg}" for n, msg in outcome.problems[:MAX_PROBLEMS_SHOWN])
        more = len(outcome.problems) - MAX_PROBLEMS_SHOWN
        report.fail(
            "Bulletins",
            f"{len(outcome.problems)} problème(s) : {shown}"
            + (f" … et {more} autres" if more > 0 else ""),
        )
    else:
        report.ok(
            "Bulletins",
            f"{outcome.count} bulletins, toutes les preuves valides, ordre des traceurs respecté",
        )
    if outcome.duplicates:
        report.fail(
            "Bulletins en double", f"{outcome.duplicates} chiffré(s) réutilisé(s) dans l'urne"
        )
    else:
        report.ok("Bulletins en double", "aucun chiffré réutilisé")

    try:
        closing = load(directory / "closing.json")
    except Malformed as exc:
        report.fail("Scellement de clôture", str(exc))
    else:
        check_closing(closing, e, outcome.count, outcome.digest, report)

    # Tally
    try:
        t = obj(
            load(directory / "tally.json"),
            {"format", "election", "ballot_count", "ballots", "answers"},
            "tally",
        )
        if t["format"] != "scrutin-tally/v1" or t["election"] != e.fingerprint:
            raise Malformed("tally : format ou élection inattendu")
        if integer(t["ballot_count"], "tally.ballot_count") != outcome.count:
            raise Malformed(
                f"tally.ballot_count : {t['ballot_count']} annoncés, {outcome.count} bulletins dans l'urne"
            )
        if t["ballots"] != outcome.digest:
            raise Malformed("tally.ballots : empreinte différente du fichier des bulletins")
        tally = _tally_cts(g, t["answers"], e)
        for qi, (row, srow) in enumerate(zip(tally, outcome.sums, strict=True)):
            for i, ((a, b), (sa, sb)) in enumerate(zip(row, srow, strict=True)):
                if not (g.equal(a, sa) and g.equal(b, sb)):
                    raise Malformed(
                        f"tally.answers[{qi}][{i}] : différent de la somme des bulletins"
                    )
        tally_fp = _fp(t, "tally")
        report.ok("Agrégation homomorphe", "les chiffrés agrégés sont la somme des bulletins")
    except Malformed as exc:
        report.fail("Agrégation homomorphe", str(exc))
        return report
    if trustees is None:
        report.fail("Déchiffrement", "impossible sans clés de gardiens valides")
        return report

    # Partial decryptions
    shares: dict[str, list[list[Any]]] = {}
    try:
        d = obj(
            load(directory / "decryptions.json", MAX_DOCUMENT),
            {"format", "election", "partials"},
            "decryptions",
        )
        if d["format"] != "scrutin-decryptions/v1" or d["election"] != e.fingerprint:
            raise Malformed("decryptions : format ou élection inattendu")
        names = []
        for pi, p in enumerate(array(d["partials"], "decryptions.partials")):
            w = f"decryptions.partials[{pi}]"
            p = obj(p, {"format", "election", "tally", "trustee", "role", "answers"}, w)
            trustee = string(p["trustee"], f"{w}.trustee")
            names.append(trustee)
            if p["format"] != "scrutin-partial-decryption/v1" or p["election"] != e.fingerprint:
                raise Malformed(f"{w} : format ou élection inattendu")
            if p["tally"] != tally_fp:
                raise Malformed(f"{w}.tally : porte sur un autre dépouillement")
            if trustee not in trustees["keys"]:
                raise Malformed(f"{w}.trustee : gardien inconnu {trustee!r}")
            role = "president" if trustee == trustees["president"] else "assessor"
            if p["role"] != role:
                raise Malformed(f"{w}.role : {role!r} attendu")
            key = trustees["keys"][trustee]
            rows = []
            for qi, (row, items) in enumerate(
                zip(tally, array(p["answers"], f"{w}.answers", len(tally)), strict=True)
            ):
                got = []
                for i, ((alpha, _), item) in enumerate(
                    zip(row, array(items, f"{w}.answers[{qi}]", len(row)), strict=True)
                ):
                    iw = f"{w}.answers[{qi}][{i}]"
                    item = obj(item, {"share", "proof"}, iw)
                    share = point(g, item["share"], f"{iw}.share", identity=True)
                    pr = obj(item["proof"], {"challenge", "response"}, f"{iw}.proof")
                    c, s = scalar(g, pr["challenge"], iw), scalar(g, pr["response"], iw)
                    if not decryption_ok(
                        g, e.fingerprint_bytes, qi, i, trustee, key, alpha, share, c, s
                    ):
                        raise Malformed(f"{iw} : preuve de déchiffrement invalide ({trustee})")
                    got.append(share)
                rows.append(got)
            shares[trustee] = rows
        if names != sorted(set(names)):
            raise Malformed("decryptions.partials : gardiens en double ou non triés")
        report.ok(
            "Déchiffrements partiels", f"{len(names)} déchiffrement(s), toutes les preuves valides"
        )
    except Malformed as exc:
        report.fail("Déchiffrements partiels", str(exc))
        return report

    # Result
    try:
        r = obj(
            load(directory / "result.json"),
            {"format", "election", "tally", "ballot_count", "decrypted_by", "answers"},
            "result",
        )
        if (
            r["format"] != "scrutin-result/v1"
            or r["election"] != e.fingerprint
            or r["tally"] != tally_fp
        ):
            raise Malformed("result : format, élection ou dépouillement inattendu")
        n = integer(r["ballot_count"], "result.ballot_count")
        if n != outcome.count:
            raise Malformed("result.ballot_count : différent du nombre de bulletins")
        by = [
            string(x, "result.decrypted_by[]")
            for x in array(r["decrypted_by"], "result.decrypted_by")
        ]
        president = trustees["president"]
        if president not in shares:
            raise Malformed("result.decrypted_by : aucun déchiffrement du président de la COE")
        # the president, then the first t assessors by index among those who decrypted (§10)
        used = sorted((a for a in shares if a != president), key=trustees["index"].__getitem__)
        if len(used) < trustees["threshold"]:
            raise Malformed(
                f"result.decrypted_by : au moins {trustees['threshold']} assesseur(s) distinct(s)"
            )
        expected = [president, *used[: trustees["threshold"]]]
        if by != expected:
            raise Malformed(
                "result.decrypted_by : le président de la COE doit figurer en premier, puis les "
                f"{trustees['threshold']} premiers assesseurs par indice ayant déchiffré : "
                f"{expected} attendu"
            )
        assessors = by[1:]
        indices = [trustees["index"][a] for a in assessors]
        lambdas = {a: lagrange_at_zero(indices, trustees["index"][a], g.order) for a in assessors}
        answers = array(r["answers"], "result.answers", len(e.questions))
        for qi, ((k, m), a) in enumerate(zip(e.questions, answers, strict=True)):
            a = obj(a, {"counts", "blank"}, f"result.answers[{qi}]")
            counts = [
                integer(x, f"result.answers[{qi}].counts", 0, n)
                for x in array(a["counts"], f"result.answers[{qi}].counts", k)
            ]
            counts.append(integer(a["blank"], f"result.answers[{qi}].blank", 0, n))
            for i, count in enumerate(counts):
                plain = g.sub(tally[qi][i][1], shares[president][qi][i])
                for x in assessors:
                    plain = g.sub(plain, g.mul(shares[x][qi][i], lambdas[x]))
                if not g.equal(plain, g.base_mul(count)):
                    what = "blank" if i == k else f"counts[{i}]"
                    raise Malformed(
                        f"result.answers[{qi}].{what} : le décompte ne correspond pas au déchiffrement"
                    )
            bounds = count_bounds_problem(counts[:k], counts[k], m, n)
            if bounds:
                raise Malformed(f"result.answers[{qi}] : {bounds}")
        report.ok(
            "Résultat",
            f"décomptes vérifiés (président + {len(assessors)} assesseur(s)), {n} bulletins",
        )
    except Malformed as exc:
        report.fail("Résultat", str(exc))
    return report
