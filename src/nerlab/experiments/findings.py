"""Findings: each comparison a paper makes, with per-seed mean +- std, a paired bootstrap interval and a verdict.

``configs/findings.yaml`` lists claims; each side of a claim is a named variant of a
variant set (``configs/<set>.yaml``) run as one DVC experiment, named after the
variant, with the set's findings overrides (several seeds per experiment:
``distill.repeats``). :func:`queue_commands` queues the experiments the claims need;
:func:`collect` reads every side's per-seed test predictions out of its experiment
(``dvc.api.DVCFileSystem`` at the experiment's commit), runs
:func:`nerlab.evaluation.significance.paired_bootstrap` on the same test sentences and writes
``metrics/findings.json``: one entry per claim (paper, claim, our means and stds,
the paper's numbers, the difference, its interval, the verdict, the seeds, the
command). :func:`render` makes the table (``nerlab report findings``).
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import yaml

from nerlab.config import paths
from nerlab.config.errors import NerlabError
from nerlab.evaluation.significance import bootstrap_counts, bootstrap_level, bootstrap_ranks, holm, judge, time_ratio
from nerlab.experiments import run_stats, variants

log = logging.getLogger(__name__)

SPEC = Path("configs/findings.yaml")
OUT = paths.METRICS / "findings.json"


def load_spec(path: Path = SPEC) -> dict:
    if not path.is_file():
        raise NerlabError(f"{path} not found")
    spec = yaml.safe_load(path.read_text())
    if not isinstance(spec.get("set") or {}, dict):
        raise NerlabError(f"{path}: the top-level set must map params to values (e.g. finetune.precision: fp32)")
    spec["claims"] = [c for claim in spec["claims"] for c in expand(claim)]
    for claim in spec["claims"]:
        if claim["set"] not in spec["sets"]:
            raise NerlabError(f"{path}: claim {claim['id']} names set {claim['set']!r}, not under sets")
        if claim["expected"] not in (-1, 0, 1):
            raise NerlabError(f"{path}: claim {claim['id']}: expected must be -1, 0 or 1")
    return spec


def expand(claim: dict) -> list[dict]:
    """A "best of" claim (``a_each``: the rivals, ``paper_each``: their paper numbers) as one pairwise claim per
    rival, ``<id>-vs-<rival>`` (``best_of``: the claim's own id, which ``--only`` also takes); the paper's Holm
    family then corrects for all of them."""
    if "a_each" not in claim:
        return [claim]
    base = {k: v for k, v in claim.items() if k not in ("a_each", "paper_each")}
    return [{**base, "id": f"{claim['id']}-vs-{rival}", "a": rival, "best_of": claim["id"],
             "paper_a": (claim.get("paper_each") or {}).get(rival), "claim": f"{claim['claim']}: beats {rival}"}
            for rival in claim["a_each"]]


def _claims(spec: dict, only: list[str] | None) -> list[dict]:
    """The claims ``only`` names (all without it): a claim's id, or a "best of" claim's own id for all its pairs."""
    claims = [c for c in spec["claims"] if not only or c["id"] in only or c.get("best_of") in only]
    known = {c["id"] for c in spec["claims"]} | {c["best_of"] for c in spec["claims"] if "best_of" in c}
    unknown = set(only or []) - known
    if unknown:
        ids = dict.fromkeys(c.get("best_of", c["id"]) for c in spec["claims"])
        raise NerlabError(f"unknown claims {sorted(unknown)}; known: {', '.join(ids)} "
                          "(a \"best of\" claim's id takes all its pairs, <id>-vs-<rival> one)")
    return claims


def sides(spec: dict, only: list[str] | None = None) -> dict[str, str]:
    """Variant name -> its set, for every side the chosen claims need."""
    return {name: c["set"] for c in _claims(spec, only) for name in (c["a"], c["b"])}


PREFIX = "findings-"  # experiment names: findings-<variant>[-s<seed>], apart from the variant sets' own runs


def side_variant(spec: dict, name: str, set_name: str) -> dict:
    """One side: ``set`` (its overrides, merged), ``target`` (the stage it runs) and ``predictions`` (where its
    test predictions are). Inline under the set's ``variants`` (the side's own overrides over the set's), else a
    variant of ``configs/<set>.yaml`` (the set's CPU-sizing overrides over the variant's). The spec's top-level
    ``set`` comes first, under both: what every side of every set runs with unless it says otherwise."""
    cfg, base = spec["sets"][set_name], spec.get("set") or {}
    inline = cfg.get("variants")
    if inline is not None:
        if name not in inline:
            raise NerlabError(f"{SPEC}: set {set_name} has no variant {name!r} (known: {', '.join(inline)})")
        side = inline[name] or {}
        predictions = side.get("predictions", cfg.get("predictions"))
        if not predictions:
            raise NerlabError(f"{SPEC}: variant {name} of set {set_name} names no predictions (its own or the set's)")
        return {"set": {**base, **cfg.get("set", {}), **side.get("set", {})}, "target": side.get("target", cfg.get("target")),
                "predictions": predictions, "seconds": side.get("seconds", cfg.get("seconds"))}
    variant_set = variants.load(set_name)
    if name not in variant_set["variants"]:
        raise NerlabError(f"configs/{set_name}.yaml has no variant {name!r}")
    return {"set": {**base, **variant_set.get("common", {}), **variant_set["variants"][name], **cfg.get("set", {})},
            "target": variant_set.get("target"), "predictions": cfg["predictions"], "seconds": cfg.get("seconds")}


def records(spec: dict, name: str, set_name: str) -> list[tuple[str, str, int | None]]:
    """(record name, experiment name, seed) of one side: the record (its committed statistics) is named after
    the side, the experiment after ``run_as`` where sides share it."""
    seeds = spec["sets"][set_name].get("seeds")
    inline = (spec["sets"][set_name].get("variants") or {}).get(name) or {}
    seeds = inline.get("seeds", seeds)  # a side may run once (a deterministic model: seeds [])
    run = inline.get("run_as", name)
    if not seeds:
        return [(PREFIX + name, PREFIX + run, None)]
    return [(f"{PREFIX}{name}-s{seed}", f"{PREFIX}{run}-s{seed}", int(seed)) for seed in seeds]


def side_experiments(spec: dict, only: list[str] | None = None, extra: list[str] = (),
                     seeds: list[int] | None = None, committed: Path | None = None) -> list[variants.Experiment]:
    """The DVC experiments the chosen claims' sides need: the side's overrides, the set's findings overrides, the
    seed, then ``extra``. ``seeds``: only those seeds' experiments (and the sides that run once). ``committed``
    (the run statistics' folder): leave out the experiments whose every record is committed there already."""
    extra_overrides = variants.parse_overrides(list(extra))
    found: dict[str, variants.Experiment] = {}
    pending: set[str] = set()  # experiments some record of which is not committed
    for name, set_name in sides(spec, only).items():
        side = side_variant(spec, name, set_name)
        merged = side["set"]
        for record, experiment, seed in records(spec, name, set_name):
            if seeds and seed is not None and seed not in seeds:
                continue
            if committed is None or not run_stats.path_of(record, committed).is_file():
                pending.add(experiment)
            seeded = {"train_seed": seed} if seed is not None else {}
            chosen = variants.Experiment(experiment, side["target"], {**merged, **seeded, **extra_overrides})
            if experiment in found and found[experiment] != chosen:
                raise NerlabError(f"{SPEC}: side {name} runs as {experiment} with other overrides or another "
                                  "target than the side it shares that experiment with")
            found[experiment] = chosen
    done = [e for e in found if e not in pending]
    if done:
        log.info("%d experiment(s) left out: their statistics are committed in %s (%s)", len(done), committed,
                 ", ".join(done))
    return [e for name, e in found.items() if name in pending]


def queue_commands(spec: dict, only: list[str] | None = None, extra: list[str] = (),
                   seeds: list[int] | None = None) -> list[list[str]]:
    return [e.queue_command() for e in side_experiments(spec, only, extra, seeds)]


def queue(only: list[str] | None = None, dry_run: bool = False, extra: list[str] = (), rerun: bool = False,
          repo: str = ".", seeds: list[int] | None = None) -> list[list[str]]:
    """Queue the sides the chosen claims need; a side that already has an experiment is skipped unless ``rerun``."""
    commands = queue_commands(load_spec(), only, extra, seeds)
    if not rerun:
        done = set(variants.experiment_revs(repo)) | pending(repo)
        skipped = [c[c.index("-n") + 1] for c in commands if c[c.index("-n") + 1] in done]
        if skipped:
            log.info("already run or queued (--rerun to run again): %s", ", ".join(skipped))
        commands = [c for c in commands if c[c.index("-n") + 1] not in done]
    if not commands:
        log.info("nothing to queue: every side has an experiment, finished or queued (nerlab findings collect)")
        return []
    return variants.submit(commands, dry_run,
                           "queued; run them with: dvc exp run --run-all -j 1   then: nerlab findings collect")


def queued_names(status: str) -> set[str]:
    """Experiment names still waiting or running, from ``dvc queue status`` output."""
    names = set()
    for line in status.splitlines():
        parts = line.split()
        if len(parts) >= 3 and parts[-1] in ("Queued", "Running"):
            names.add(parts[1])
    return names


def pending(repo: str = ".") -> set[str]:
    import subprocess

    out = subprocess.run([variants.dvc(), "queue", "status"], cwd=repo, capture_output=True, text=True, check=False)
    return queued_names(out.stdout) if out.returncode == 0 else set()


def read_runs(fs, path: str) -> tuple[list[str], list[list[str]], list[list[list[str]]]]:
    """(ids, gold, predictions per seed) from a predictions file or the ``*.test.jsonl`` files of a folder."""
    if path.endswith(".jsonl"):
        files = [path] if fs.exists(path) else []
    else:
        try:
            files = sorted(p for p in fs.ls(path, detail=False) if p.endswith(".test.jsonl"))
        except FileNotFoundError:
            files = []
    if not files:
        raise NerlabError(f"{path}: no test predictions in this experiment")
    ids, gold, preds = None, None, []
    for file in files:
        with fs.open(file) as handle:
            rows = [json.loads(line) for line in handle.read().decode("utf-8").splitlines() if line.strip()]
        if ids is None:
            ids, gold = [r["id"] for r in rows], [r["gold"] for r in rows]
        elif [r["id"] for r in rows] != ids:
            raise NerlabError(f"{file}: not the same test sentences, in the same order, as run 1")
        preds.append([r["pred"] for r in rows])
    return ids, gold, preds


def claim_margin(claim: dict, spec: dict) -> float | None:
    """The equivalence margin of a no-difference claim (its own ``margin``, else the spec's); None otherwise."""
    if claim["expected"] != 0:
        return None
    margin = claim.get("margin", spec.get("margin"))
    if margin is None:
        raise NerlabError(f"{SPEC}: claim {claim['id']} expects no difference but no margin is declared "
                          "(the claim's `margin` or a top-level `margin`, in F1 as a fraction, e.g. 0.01)")
    return float(margin)


def _need(claim: dict, *keys: str) -> None:
    """A claim kind's own keys, or one line naming the claim and what it lacks."""
    missing = [k for k in keys if k not in claim]
    if missing:
        raise NerlabError(f"{SPEC}: claim {claim['id']} (kind {claim.get('kind')}) needs {', '.join(missing)}")


def _command(claim: dict) -> str:
    """How to (re)produce a claim's verdict."""
    return f"nerlab findings queue --only {claim['id']} && dvc exp run --run-all -j 1 && nerlab findings collect"


def seed_order(seeds_a: list | None, seeds_b: list | None) -> list[int] | None:
    """The order of b's runs that lines them up with a's by training seed, when both sides ran the same distinct
    seeds (then the bootstrap draws the seeds once for both sides); None otherwise (each side's drawn alone)."""
    if not seeds_a or not seeds_b or None in seeds_a or None in seeds_b:
        return None
    if len(seeds_a) < 2 or len(set(seeds_a)) != len(seeds_a) or sorted(seeds_a) != sorted(seeds_b):
        return None
    return [seeds_b.index(s) for s in seeds_a]


def evaluate_claim(claim: dict, a: dict, b: dict, spec: dict, metric: str = "micro") -> dict:
    """One claim's paired bootstrap from its two sides' run statistics (:func:`nerlab.experiments.run_stats.merge`;
    the resampling units are side a's groups). The verdict comes from the family-adjusted p-value
    (:func:`judge_family`); alone, the claim is its own family."""
    if a["ids"] != b["ids"]:
        raise NerlabError(f"claim {claim['id']}: the two sides were scored on different test sentences")
    types = sorted(set(a["types"]) | set(b["types"]))
    counts_a, counts_b = run_stats.counts(a, types), run_stats.counts(b, types)
    if (counts_a[0, ..., 2] != counts_b[0, ..., 2]).any():
        raise NerlabError(f"claim {claim['id']}: the two sides were scored against different gold tags")
    margin = claim_margin(claim, spec)
    order = seed_order(a.get("seeds"), b.get("seeds"))
    if order is not None:  # run i of b trained with run i of a's seed
        counts_b = counts_b[order]
    result = bootstrap_counts(counts_a, counts_b, int(spec["resamples"]), int(spec.get("bootstrap_seed", 0)),
                              float(spec["confidence"]), metric=metric, groups=a.get("groups"), margin=margin,
                              paired_seeds=order is not None)
    found = {"id": claim["id"], "paper": claim["paper"], "claim": claim["claim"], "a": claim["a"], "b": claim["b"],
             "expected": claim["expected"], "metric": f"{metric}_f1",
             "ours": {"a": {k: result["a"][k] for k in ("mean", "std", "runs", "per_run")},
                      "b": {k: result["b"][k] for k in ("mean", "std", "runs", "per_run")}},
             "paper_numbers": {"a": claim.get("paper_a"), "b": claim.get("paper_b")},
             "difference": result["difference"], "interval": [result["low"], result["high"]],
             "confidence": result["confidence"], "resamples": result["resamples"], "sentences": result["sentences"],
             "units": result["units"], "resampled": result["resampled"],
             "p_b_not_better": result["p_b_not_better"], "p_two_sided": result["p_two_sided"],
             "test": "equivalence (TOST)" if margin is not None else "two-sided",
             "p": result["p_equivalent"] if margin is not None else result["p_two_sided"],
             "command": _command(claim)}
    if margin is not None:
        found.update(margin=margin, p_equivalent=result["p_equivalent"],
                     equivalence_interval=result["equivalence_interval"])
    return judge_family([found], 1 - float(spec["confidence"]))[0]


def evaluate_rank_claim(claim: dict, side: dict, spec: dict) -> dict:
    """A claim that some entity types (``types``) are among the ``top`` types by F1 on one side (``b``; ``a`` is
    the same variant): :func:`nerlab.evaluation.significance.bootstrap_ranks`, judged like a directional claim
    whose difference is top + 0.5 - the worst claimed rank."""
    _need(claim, "types", "top")
    unknown = [t for t in claim["types"] if t not in side["types"]]
    if unknown:
        raise NerlabError(f"claim {claim['id']}: no type {', '.join(unknown)} in the runs (known: "
                          f"{', '.join(side['types'])})")
    types = side["types"]
    result = bootstrap_ranks(run_stats.counts(side, types), [types.index(t) for t in claim["types"]], int(claim["top"]),
                             int(spec["resamples"]), int(spec.get("bootstrap_seed", 0)), float(spec["confidence"]),
                             groups=side.get("groups"))
    found = {"id": claim["id"], "paper": claim["paper"], "claim": claim["claim"], "kind": "rank", "a": claim["a"],
             "b": claim["b"], "expected": 1, "metric": "per-type F1 rank", "types": claim["types"],
             "top": int(claim["top"]), "of": result["types"], "ranks": result["ranks"], "f1": result["f1"],
             "worst_rank_interval": result["worst_rank_interval"], "runs": result["runs"],
             "paper_numbers": {"a": None, "b": None}, "difference": result["difference"],
             "interval": [result["low"], result["high"]], "confidence": result["confidence"],
             "resamples": result["resamples"], "sentences": result["sentences"], "units": result["units"],
             "resampled": result["resampled"], "p_not_top": result["p_not_top"],
             "p_two_sided": result["p_two_sided"], "test": "two-sided", "p": result["p_two_sided"],
             "command": _command(claim)}
    return judge_family([found], 1 - float(spec["confidence"]))[0]


def evaluate_level_claim(claim: dict, side: dict, spec: dict, metric: str) -> dict:
    """A claim that one side's F1 is below ``below`` ("about 0"; ``a`` is the same variant):
    :func:`nerlab.evaluation.significance.bootstrap_level`, judged like a directional claim whose difference is
    below - F1."""
    _need(claim, "below")
    bound = float(claim["below"])
    result = bootstrap_level(run_stats.counts(side, side["types"]), bound, int(spec["resamples"]),
                             int(spec.get("bootstrap_seed", 0)), float(spec["confidence"]), metric=metric,
                             groups=side.get("groups"))
    found = {"id": claim["id"], "paper": claim["paper"], "claim": claim["claim"], "kind": "level", "a": claim["a"],
             "b": claim["b"], "expected": 1, "metric": f"{metric}_f1", "below": bound,
             "ours": {"b": {k: result[k] for k in ("mean", "std", "runs", "per_run")}},
             "paper_numbers": {"a": None, "b": claim.get("paper_b")}, "difference": result["difference"],
             "interval": [result["low"], result["high"]], "f1_interval": [bound - result["high"], bound - result["low"]],
             "confidence": result["confidence"], "resamples": result["resamples"], "sentences": result["sentences"],
             "units": result["units"], "resampled": result["resampled"], "p_two_sided": result["p_two_sided"],
             "test": "two-sided", "p": result["p_two_sided"],
             "command": _command(claim)}
    return judge_family([found], 1 - float(spec["confidence"]))[0]


def evaluate_time_claim(claim: dict, a: dict, b: dict, spec: dict) -> dict:
    """A claim that side b takes longer (``expected`` +1) or less long (-1) to train than side a:
    :func:`nerlab.evaluation.significance.time_ratio` of their runs' seconds (Welch's t on log seconds)."""
    missing = [side for side, record in (("a", a), ("b", b)) if not record.get("seconds")]
    if missing:
        raise NerlabError(f"claim {claim['id']}: no training seconds recorded for side {', '.join(missing)} (the "
                          "set's or variant's `seconds: FILE:KEY`)")
    if min(len(a["seconds"]), len(b["seconds"])) < 2:
        raise NerlabError(f"claim {claim['id']}: a time ratio needs at least 2 runs per side, got "
                          f"{len(a['seconds'])} and {len(b['seconds'])} (give its set more seeds)")
    result = time_ratio(a["seconds"], b["seconds"], float(spec["confidence"]))
    pa, pb = claim.get("paper_a"), claim.get("paper_b")
    found = {"id": claim["id"], "paper": claim["paper"], "claim": claim["claim"], "kind": "time", "a": claim["a"],
             "b": claim["b"], "expected": claim["expected"], "metric": "training seconds (ratio b / a)",
             "ratio": result["ratio"], "ratio_interval": result["ratio_interval"], "seconds": result["seconds"],
             "paper_numbers": {"a": pa, "b": pb}, "difference": result["difference"],
             "interval": [result["low"], result["high"]], "confidence": result["confidence"],
             "runs": result["runs"], "p_two_sided": result["p_two_sided"], "test": "Welch t on log seconds",
             "p": result["p_two_sided"],
             "command": _command(claim)}
    return judge_family([found], 1 - float(spec["confidence"]))[0]


def context(claim: dict, spec: dict, a: dict, b: dict) -> dict:
    """What a verdict stands on: the dataset, the params that differ between the sides (seeds aside), the
    budget (the set's ``budget`` keys, and optimiser steps per run = epochs x ceil(sentences / batch) when it
    names them), the substitutions for the paper's setting and the caveat (the claim's, else the set's)."""
    cfg = spec["sets"][claim["set"]]
    pa, pb = a.get("params", {}), b.get("params", {})
    seeds = {"train_seed", "distill.seed", "seed"}
    differ = {k: [pa.get(k), pb.get(k)] for k in sorted(set(pa) | set(pb)) if pa.get(k) != pb.get(k) and k not in seeds}
    stages = [side_variant(spec, claim[s], claim["set"])["target"] for s in ("a", "b")]
    if stages[0] != stages[1]:  # the sides are different stages (paper 002: token-only vs joint model)
        differ = {"stage": stages, **differ}
    budget = {k: pa.get(k) for k in cfg.get("budget", [])}
    sentences, epochs, batch = (budget.get(k) for k in cfg.get("steps_from", []) or [None, None, None])
    if all(isinstance(v, int) for v in (sentences, epochs, batch)):
        budget["optimiser_steps"] = epochs * -(-sentences // batch)
    if cfg.get("paper_budget"):
        budget["paper"] = cfg["paper_budget"]
    return {"dataset": pa.get("dataset"), "differs": differ, "budget": budget,
            "substitutions": cfg.get("substitutions", []), "caveat": claim.get("caveat", cfg.get("caveat", ""))}


def judge_family(findings: list[dict], alpha: float) -> list[dict]:
    """Holm's correction across each paper's claims (the family), then each claim's verdict at its adjusted p."""
    papers: dict[str, list[dict]] = {}
    for f in findings:
        papers.setdefault(f["paper"], []).append(f)
    for family in papers.values():
        for f, adjusted in zip(family, holm([f["p"] for f in family])):
            f["p_holm"], f["family_size"] = adjusted, len(family)
            f["verdict"] = judge(f, f["expected"], adjusted, alpha, len(family))
    return findings


def _seconds(fs, where: str) -> list[float]:
    """``FILE:KEY`` of an experiment (``metrics/details/finetune.json:train_seconds``): the run's seconds."""
    path, _, key = where.partition(":")
    with fs.open(path) as handle:
        value = json.loads(handle.read()).get(key)
    if not isinstance(value, (int, float)) or value <= 0:
        raise NerlabError(f"{path}: no positive number under {key!r} (the side's `seconds`)")
    return [float(value)]


def _groups(fs, dataset: str, ids: list[str]) -> list | None:
    """Each test sentence's document (the resampling unit of a corpus with documents), from the prepared test
    split at the experiment's commit; None when the corpus has no documents (then sentences are the units)."""
    path = f"data/prepared/{dataset}/test.jsonl"
    if not fs.exists(path):
        return None
    with fs.open(path) as handle:
        doc_of = {r["id"]: r.get("doc_id") for r in map(json.loads, handle.read().decode("utf-8").splitlines())}
    docs = [doc_of.get(i) for i in ids]
    return docs if all(docs) else None


def collect(spec: dict, repo: str = ".", only: list[str] | None = None, dataset: str | None = None) -> list[dict]:
    """Every chosen claim whose two sides ran, judged per paper with Holm's correction. A side's dataset is its
    overrides' ``dataset``, else ``dataset`` (default: params.yaml's); the set's ``metric`` (micro or macro) is
    the claim's statistic; documents are the resampling units where the test split has them."""
    from dvc.api import DVCFileSystem

    from nerlab.config.params import load_params
    from nerlab.config.schema import validate

    default = dataset or validate(load_params(Path(repo) / paths.PARAMS)).dataset
    revs = variants.experiment_revs(repo)
    root = Path(repo) / run_stats.RUNS
    loaded: dict[str, dict | None] = {}

    def record(name: str, experiment: str, set_name: str, side: str) -> dict | None:
        """From the experiment when its ref is here (and kept in git), else the committed statistics."""
        if name not in loaded:
            if experiment in revs:
                variant = side_variant(spec, side, set_name)
                data = variant["set"].get("dataset", default)
                fs = DVCFileSystem(repo, rev=revs[experiment])
                ids, gold, runs = read_runs(fs, variant["predictions"].format(dataset=data))
                with fs.open("params.yaml") as handle:
                    params = handle.read()
                loaded[name] = run_stats.build(name, ids, gold, runs, _groups(fs, data, ids), params)
                if variant.get("seconds"):  # the runs' training time, for time claims
                    loaded[name]["seconds"] = _seconds(fs, variant["seconds"].format(dataset=data))
                run_stats.write(loaded[name], root)
            else:
                loaded[name] = run_stats.read(name, root)
        return loaded[name]

    findings = []
    for claim in _claims(spec, only):
        set_name = claim["set"]
        listed = {side: records(spec, side, set_name) for side in (claim["a"], claim["b"])}
        found = {side: [(n, record(n, e, set_name, side), seed) for n, e, seed in rows] for side, rows in listed.items()}
        missing = [n for rows in found.values() for n, r, _ in rows if r is None]
        ran = {side: [(r, seed) for _, r, seed in rows if r is not None] for side, rows in found.items()}
        if not all(ran.values()):
            log.warning("claim %s: no experiment or committed statistics for %s (nerlab findings queue --only %s)",
                        claim["id"], ", ".join(missing), claim["id"])
            continue
        if missing:  # some seeds ran: judged on those, the seeds column says how many of how many
            log.warning("claim %s: judged on the runs that exist; still to run: %s", claim["id"], ", ".join(missing))
        sides = {side: run_stats.merge([r for r, _ in runs], side, [seed for _, seed in runs])
                 for side, runs in ran.items()}
        metric = claim.get("metric", spec["sets"][set_name].get("metric", "micro"))
        if claim.get("kind") == "rank":
            findings.append(evaluate_rank_claim(claim, sides[claim["b"]], spec))
        elif claim.get("kind") == "level":
            findings.append(evaluate_level_claim(claim, sides[claim["b"]], spec, metric))
        elif claim.get("kind") == "time":
            timed = {k: len(sides[claim[k]].get("seconds") or []) for k in ("a", "b")}
            if missing and min(timed.values()) < 2:  # a ratio of log-time means needs 2 runs a side
                log.warning("claim %s: a time ratio needs 2 runs per side (a %d, b %d so far): judged when more have "
                            "run", claim["id"], timed["a"], timed["b"])
                continue
            findings.append(evaluate_time_claim(claim, sides[claim["a"]], sides[claim["b"]], spec))
        else:
            findings.append(evaluate_claim(claim, sides[claim["a"]], sides[claim["b"]], spec, metric))
        findings[-1]["context"] = context(claim, spec, sides[claim["a"]], sides[claim["b"]])
        if missing:
            findings[-1]["planned_runs"] = {k: len(found[claim[k]]) for k in ("a", "b")}
    judge_family(findings, 1 - float(spec["confidence"]))
    for f in findings:
        log.info("%s: %s (difference %+.4f, %d%% interval [%+.4f, %+.4f], p %.4f, Holm %.4f)", f["id"],
                 f["verdict"], f["difference"], round(100 * f["confidence"]), *f["interval"], f["p"], f["p_holm"])
    return findings


def write(findings: list[dict], out: Path = OUT) -> None:
    """``metrics/findings.json`` and, beside it, the forest plot (``plots/findings/forest.png`` and its rows)."""
    from nerlab.data.jsonl import write_json
    from nerlab.reports import forest

    write_json(out, {"claims": findings})
    if findings:
        forest.write(findings, Path(out).parent / "plots" / "findings")


def render(findings: list[dict]) -> str:
    head = ("| paper | claim | a | b | ours a (mean +- std) | ours b | paper a / b | difference b - a | "
            "95% interval | p (Holm) | verdict | seeds |")
    lines = [head, "|" + "---|" * 12]
    for f in findings:
        if f.get("kind") == "rank":
            lines.append(_rank_row(f))
            continue
        if f.get("kind") == "level":
            lines.append(_level_row(f))
            continue
        if f.get("kind") == "time":
            lines.append(_time_row(f))
            continue
        a, b = f["ours"]["a"], f["ours"]["b"]
        pa, pb = f["paper_numbers"]["a"], f["paper_numbers"]["b"]
        test = f" TOST +-{f['margin']:.3f}" if "margin" in f else ""
        p = f"{f['p']:.4f} ({f['p_holm']:.4f}){test}" if "p_holm" in f else "-"
        lines.append(f"| {f['paper']} | {f['claim']} | {f['a']} | {f['b']} | {a['mean']:.4f} +- {a['std']:.4f} | "
                     f"{b['mean']:.4f} +- {b['std']:.4f} | {pa if pa is not None else '-'} / "
                     f"{pb if pb is not None else '-'} | {f['difference']:+.4f} | "
                     f"[{f['interval'][0]:+.4f}, {f['interval'][1]:+.4f}] | {p} | {f['verdict']} | "
                     f"{_runs(f, 'a')} / {_runs(f, 'b')} |")
    notes = [f"- **{f['id']}**: {describe(f['context'])}" for f in findings if f.get("context")]
    return "\n".join(lines + ([""] + notes if notes else []))


def _rank_row(f: dict) -> str:
    """A rank claim in the findings table: the types' ranks and F1 on the side, the worst rank's interval."""
    ranks = ", ".join(f"{t} #{r} ({v:.3f})" for t, r, v in zip(f["types"], f["ranks"], f["f1"]))
    low, high = f["worst_rank_interval"]
    planned = f.get("planned_runs", {}).get("b")
    runs = f"{f['runs']} of {planned}" if planned and planned != f["runs"] else str(f["runs"])
    return (f"| {f['paper']} | {f['claim']} | types | {f['b']} | top {f['top']} of {f['of']} | {ranks} | - | "
            f"worst rank {f['top'] + 0.5 - f['difference']:.0f} | [{low:.0f}, {high:.0f}] | "
            f"{f['p']:.4f} ({f['p_holm']:.4f}) | {f['verdict']} | {runs} |")


def _level_row(f: dict) -> str:
    """A level claim in the findings table: the side's F1 and its interval against the bound."""
    b, pb = f["ours"]["b"], f["paper_numbers"]["b"]
    low, high = f["f1_interval"]
    return (f"| {f['paper']} | {f['claim']} | below {f['below']:g} | {f['b']} | - | {b['mean']:.4f} +- {b['std']:.4f} | "
            f"- / {pb if pb is not None else '-'} | F1 {b['mean']:.4f} | [{low:.4f}, {high:.4f}] | "
            f"{f['p']:.4f} ({f['p_holm']:.4f}) | {f['verdict']} | {_runs(f, 'b')} |")


def _time_row(f: dict) -> str:
    """A time claim in the findings table: each side's mean training seconds and the ratio b / a."""
    mean = {k: sum(v) / len(v) for k, v in f["seconds"].items()}
    low, high = f["ratio_interval"]
    return (f"| {f['paper']} | {f['claim']} | {f['a']} | {f['b']} | {mean['a']:.0f} s | {mean['b']:.0f} s | - | "
            f"x{f['ratio']:.2f} | [x{low:.2f}, x{high:.2f}] | {f['p']:.4f} ({f['p_holm']:.4f}) | {f['verdict']} | "
            f"{f['runs'][0]} / {f['runs'][1]} |")


def _runs(finding: dict, side: str) -> str:
    """The runs a side was judged on, and how many its set plans when some have not run yet (``1 of 3``)."""
    runs, planned = finding["ours"][side]["runs"], finding.get("planned_runs", {}).get(side)
    return f"{runs} of {planned}" if planned and planned != runs else str(runs)


def describe(ctx: dict) -> str:
    """A verdict's context in one line: dataset, what differs, budget, substitutions, caveat."""
    differs = ", ".join(f"{k} {a} -> {b}" for k, (a, b) in ctx["differs"].items()) or "nothing but the seeds"
    budget = ", ".join(f"{k} {v}" for k, v in ctx["budget"].items()) or "-"
    parts = [f"{ctx['dataset']}", f"differs: {differs}", f"budget: {budget}"]
    if ctx["substitutions"]:
        parts.append("substitutions: " + "; ".join(ctx["substitutions"]))
    if ctx["caveat"]:
        parts.append(f"caveat: {ctx['caveat']}")
    return "; ".join(parts)


BEGIN, END = "<!-- findings table: nerlab report findings -->", "<!-- end findings table -->"
SUMMARY_BEGIN, SUMMARY_END = "<!-- findings summary: nerlab report findings -->", "<!-- end findings summary -->"
VERDICTS = ("holds", "fails", "inconclusive", "equivalent", "not shown equivalent", "different")


def summary(findings: list[dict]) -> str:
    """One row per paper: how many claims were judged and their verdicts (the README's findings table)."""
    papers: dict[str, list[dict]] = {}
    for f in findings:
        papers.setdefault(f["paper"], []).append(f)
    lines = ["| paper | claims judged | " + " | ".join(VERDICTS) + " | judged on fewer seeds than planned |",
             "|" + "---|" * (len(VERDICTS) + 3)]
    for paper, claims in sorted(papers.items()):
        counts = [sum(f["verdict"] == v for f in claims) for v in VERDICTS]
        partial = sum("planned_runs" in f for f in claims)
        lines.append(f"| {paper} | {len(claims)} | " + " | ".join(map(str, counts)) + f" | {partial} |")
    return "\n".join(lines)


def into(document: Path, findings: list[dict]) -> None:
    """Replace what lies between the findings markers of a markdown document with findings.json's: the table
    (:func:`render`; docs/findings.md) and/or the per-paper summary (:func:`summary`; the README). Published
    numbers are always findings.json's, never hand-copied."""
    text = document.read_text() if document.is_file() else ""
    pairs = [(b, e, make) for b, e, make in ((BEGIN, END, render), (SUMMARY_BEGIN, SUMMARY_END, summary))
             if b in text or e in text]
    if not pairs:
        raise NerlabError(f"{document}: needs one '{BEGIN}' line and one '{END}' line after it, around the table "
                          f"(or the summary's '{SUMMARY_BEGIN}' and '{SUMMARY_END}')")
    for begin, end, make in pairs:
        if text.count(begin) != 1 or text.count(end) != 1 or text.index(begin) > text.index(end):
            raise NerlabError(f"{document}: needs one '{begin}' line and one '{end}' line after it, around the table")
        head, rest = text.split(begin, 1)
        text = f"{head}{begin}\n{make(findings)}\n{end}{rest.split(end, 1)[1]}"
    document.write_text(text)
