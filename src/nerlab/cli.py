"""The `nerlab` console command: `nerlab predict`, `report`, `compare`, `params`, `export`, `queue`, `findings`,
`grid`."""

from __future__ import annotations

import argparse
import functools
import os
import sys
from pathlib import Path

from nerlab.config.errors import NerlabError
from nerlab.config.paths import PARAMS
from nerlab.models.transformer.precision import INFERENCE
from nerlab.runtime import VERBOSE_ENV, entry


def _text_lines(raw: bytes, where: str) -> list[str]:
    """UTF-8 text, one sentence per line; anything else is one line naming where, the line and the byte."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        line = raw[:err.start].count(b"\n") + 1
        raise NerlabError(f"{where}:{line}: not UTF-8 text (byte 0x{raw[err.start]:02X}); convert it first, e.g. "
                          "iconv -f latin1 -t utf-8") from None
    if "\x00" in text:
        line = text[:text.index("\x00")].count("\n") + 1
        raise NerlabError(f"{where}:{line}: binary data (a NUL byte), not text")
    return text.splitlines()


def _predict(args) -> None:
    from nerlab.models import loaders
    from nerlab.serving import predict

    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise NerlabError(f"{path}: file not found")
        texts = _text_lines(path.read_bytes(), str(path))
    elif args.text:
        texts = [" ".join(args.text)]
    else:
        texts = _text_lines(sys.stdin.buffer.read(), "standard input")
    tagger = loaders.load_folder(args.model, _precision(args))
    print(predict.render(predict.tag_texts(tagger, texts), args.format))


def _report(args) -> None:
    if args.html:
        from nerlab.reports import html

        print(f"wrote {html.write(args.html)}")
        return
    if args.variants == "findings":
        from nerlab.data.jsonl import read_json
        from nerlab.experiments import findings

        if not findings.OUT.is_file():
            raise NerlabError(f"{findings.OUT} not found: nerlab findings collect")
        claims = read_json(findings.OUT)["claims"]
        if args.into:
            findings.into(Path(args.into), claims)
            print(f"wrote the findings table into {args.into}")
            return
        print(findings.render(claims))
        return
    if args.variants == "annotate":
        from nerlab.reports import metric_files, tables

        print(tables.annotation_table(metric_files.read("annotate")))
        return
    if args.variants:
        from nerlab.experiments import variants

        print(variants.report(args.variants))
        return
    from nerlab.reports import tables

    tables.main()


def _params(args) -> None:
    from nerlab.config.params import load_params
    from nerlab.config.schema import validate

    validate(load_params(args.file), args.file)
    print(f"{args.file}: every setting is valid")


def _export(args) -> None:
    from nerlab.serving.export import export

    record = export(args.model, args.to)
    print(f"wrote {args.to}: load it with transformers' AutoModelForTokenClassification or "
          f"pipeline('token-classification', model='{args.to}', aggregation_strategy='first')")
    for line in record["lost"]:
        print(f"  not carried over: {line}")


@functools.cache
def _project_params():
    """params.yaml, checked: read once per command (--dataset and --precision defaults both come from it)."""
    from nerlab.config.params import load_params
    from nerlab.config.schema import validate

    return validate(load_params(PARAMS))


def _dataset(args) -> str:
    """``--dataset``, else params.yaml's ``dataset``."""
    return args.dataset or _project_params().dataset


def _precision(args) -> str:
    """``--precision``, else params.yaml's ``inference_precision`` (fp32 outside a nerlab project)."""
    if args.precision:
        return args.precision
    return _project_params().inference_precision if PARAMS.is_file() else "fp32"


def _compare(args) -> None:
    from nerlab.evaluation import compare

    print(compare.render(compare.compare(args.model_a, args.model_b, args.on, _dataset(args), args.resamples,
                                         args.seed, precision=_precision(args))))


def _queue(args) -> None:
    from nerlab.experiments import variants

    variants.queue(args.variants, args.set or [], args.only, args.dry_run, args.small)


def _findings(args) -> None:
    from nerlab.experiments import findings

    if args.action == "queue":
        findings.queue(args.only, args.dry_run, args.set or [], args.rerun, seeds=args.seeds)
        return
    found = findings.collect(findings.load_spec(), ".", args.only)
    findings.write(found)
    print(findings.render(found))


def _grid(args) -> None:
    from nerlab.experiments import findings, grid, variants

    if args.findings == bool(args.variants):
        raise NerlabError("grid run: name a variant set (e.g. paper000) or --findings, not both")
    if args.findings:
        from nerlab.experiments import run_stats

        chosen = findings.side_experiments(findings.load_spec(), args.only, args.set or [], args.seeds,
                                           None if args.rerun else run_stats.RUNS)
    else:
        chosen = variants.chosen(args.variants, args.set or [], args.only, args.small)
    options = grid.Options(address=args.address, cpus_per_trial=args.cpus_per_trial,
                           gpus_per_trial=args.gpus_per_trial, max_retries=args.max_retries,
                           git_remote=args.git_remote, dvc_remote=args.dvc_remote, tracking_uri=args.tracking_uri,
                           mlflow_host=args.mlflow_host, workdir=args.workdir)
    code = grid.run(chosen, options)
    if code:
        sys.exit(code)


def _export_annotations(args) -> None:
    from nerlab.data import distilled

    for path in distilled.export(_dataset(args), args.format, args.to):
        print(f"wrote {path}")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nerlab", description="nerlab: a reproducible NER lab")
    parser.add_argument("-v", "--verbose", action="store_true", help="show the traceback of an unexpected error")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="tag raw text with a trained model (one sentence per line)")
    p.add_argument("text", nargs="*", help="text to tag (default: --file, else standard input)")
    p.add_argument("--model", default="models/finetune", help="a trained model folder (models/finetune, models/crf)")
    p.add_argument("--file", help="a text file, one sentence per line")
    p.add_argument("--format", choices=("entities", "jsonl"), default="entities")
    p.add_argument("--precision", choices=INFERENCE, help="how a fine-tuned model runs: fp32, bf16 (autocast) or "
                   "int8 (quantized encoder); default: params.yaml's inference_precision")
    c = sub.add_parser("params", help="check params.yaml against the schema (types, ranges, choices, unknown keys)")
    c.add_argument("action", choices=("check",))
    c.add_argument("--file", default=str(PARAMS))
    e = sub.add_parser("export", help="a fine-tuned model as a standard transformers token-classification folder")
    e.add_argument("--model", default="models/finetune", help="a fine-tuned nerlab model folder")
    e.add_argument("--to", required=True, help="a new folder to write (an existing one is replaced only if nerlab wrote it)")
    r = sub.add_parser("report", help="metrics/details/test.json as a markdown table, or a variant set's table")
    r.add_argument("variants", nargs="?", help="a variant set in configs/ (e.g. paper000): ours beside the paper's; "
                   "'annotate': paper 003's Table 1 from metrics/details/annotate.json; 'findings': metrics/findings.json")
    r.add_argument("--into", metavar="FILE", help="findings: replace the table between the findings markers of a "
                   "markdown file (docs/findings.md) instead of printing it")
    r.add_argument("--html", metavar="FILE", help="one self-contained results page: test scores, Table 1, findings "
                   "and every figure under metrics/plots")
    q = sub.add_parser("queue", help="queue a variant set in configs/ as DVC experiments")
    q.add_argument("variants", help="a variant set in configs/, e.g. paper000")
    q.add_argument("--set", action="append", metavar="KEY=VALUE", help="an extra override for every variant")
    q.add_argument("--only", nargs="+", help="queue only these variants")
    q.add_argument("--dry-run", action="store_true", help="print the dvc commands without running them")
    q.add_argument("--small", action="store_true", help="the set's CPU-sized grid (its `small` section)")
    f = sub.add_parser("findings", help="the papers' claims with confidence (configs/findings.yaml)")
    f.add_argument("action", choices=("queue", "collect"),
                   help="queue: the DVC experiments the claims need; collect: bootstrap them -> metrics/findings.json")
    f.add_argument("--only", nargs="+", metavar="CLAIM", help="only these claims (a \"best of\" claim's id: all its pairs)")
    f.add_argument("--dry-run", action="store_true", help="queue: print the dvc commands without running them")
    f.add_argument("--set", action="append", metavar="KEY=VALUE", help="queue: an extra override for every side")
    f.add_argument("--rerun", action="store_true", help="queue: also the sides that already have an experiment")
    f.add_argument("--seeds", nargs="+", type=int, metavar="SEED", help="queue: only these seeds' experiments")
    g = sub.add_parser("grid", help="run a variant set or the findings' sides as DVC experiments on a Ray cluster")
    g.add_argument("action", choices=("run",))
    g.add_argument("variants", nargs="?", help="a variant set in configs/ (or --findings)")
    g.add_argument("--findings", action="store_true", help="the sides of the claims in configs/findings.yaml")
    g.add_argument("--only", nargs="+", help="only these variants (or claims, with --findings)")
    g.add_argument("--set", action="append", metavar="KEY=VALUE", help="an extra override for every experiment")
    g.add_argument("--small", action="store_true", help="the set's CPU-sized grid (its `small` section)")
    g.add_argument("--seeds", nargs="+", type=int, metavar="SEED", help="--findings: only these seeds' experiments "
                   "(e.g. one seed of every side first)")
    g.add_argument("--rerun", action="store_true", help="--findings: also the experiments whose statistics are "
                   "committed in metrics/findings/runs (by default they are left out)")
    g.add_argument("--address", help="a Ray cluster: auto or HOST:PORT (default: start a local one on loopback)")
    g.add_argument("--cpus-per-trial", type=float, default=1, help="CPUs per trial; also its threads (default 1)")
    g.add_argument("--gpus-per-trial", type=float, default=0)
    g.add_argument("--max-retries", type=int, default=3, help="re-runs of a trial whose node died (default 3)")
    g.add_argument("--git-remote", help="git remote (name or URL) for the experiments (default: .nerlab/grid/"
                   "experiments.git)")
    g.add_argument("--dvc-remote", help="DVC remote (name or URL) for the outputs (default: the project's default "
                   "remote, else .nerlab/grid/dvc-store)")
    g.add_argument("--tracking-uri", help="MLflow tracking server (default: MLFLOW_TRACKING_URI, else a local "
                   "mlflow server over mlflow.db, started and stopped here)")
    g.add_argument("--mlflow-host", default="127.0.0.1", help="the address the local mlflow server listens on")
    g.add_argument("--workdir", help="where nodes clone the project (default: their temp dir)")
    a = sub.add_parser("export-annotations", help="the annotate stage's distilled sample as pre-annotations for "
                       "Label Studio or doccano (correct them, then -S annotate.corrected=EXPORT)")
    a.add_argument("--format", required=True, choices=("label-studio", "doccano"))
    a.add_argument("--to", required=True, help="a new file (label-studio: JSON tasks, and its labelling config "
                   "beside it; doccano: JSONL)")
    a.add_argument("--dataset", help="the annotated dataset (default: params.yaml's)")
    m = sub.add_parser("compare", help="is model B better than model A? both tag the same sentences; paired bootstrap")
    m.add_argument("model_a", help="a trained model folder, e.g. models/crf")
    m.add_argument("model_b", help="another, e.g. one an experiment made: dvc get . models/crf --rev EXP -o DIR")
    m.add_argument("--on", default="dev", help="train, dev or test of the prepared dataset, or a prepared .jsonl file")
    m.add_argument("--dataset", help="the prepared dataset (default: params.yaml's dataset)")
    m.add_argument("--resamples", type=_positive, default=1000)
    m.add_argument("--seed", type=int, default=0, help="the bootstrap's seed")
    m.add_argument("--precision", choices=INFERENCE, help="how both fine-tuned models run (default: params.yaml's "
                   "inference_precision)")
    args = parser.parse_args(argv)
    _project_params.cache_clear()  # once per command: tests call main() in several projects in one process
    commands = {"predict": _predict, "params": _params, "export": _export, "report": _report, "queue": _queue, "findings": _findings,
                "compare": _compare, "grid": _grid, "export-annotations": _export_annotations}
    if args.verbose:
        os.environ[VERBOSE_ENV] = "1"
    entry(commands[args.command], args.command)(args)
