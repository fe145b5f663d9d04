"""The `nerlab` console command: `nerlab predict ...` and `nerlab report`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from nerlab.errors import NerlabError
from nerlab.stage import entry


def _predict(args) -> None:
    from nerlab import predict, taggers

    if args.file:
        path = Path(args.file)
        if not path.is_file():
            raise NerlabError(f"{path}: file not found")
        texts = path.read_text(encoding="utf-8").splitlines()
    elif args.text:
        texts = [" ".join(args.text)]
    else:
        texts = sys.stdin.read().splitlines()
    tagger = taggers.load_folder(args.model)
    print(predict.render(predict.tag_texts(tagger, texts), args.format))


def _report(args) -> None:
    from nerlab import report

    report.main()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="nerlab", description="nerlab: a reproducible NER lab")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("predict", help="tag raw text with a trained model (one sentence per line)")
    p.add_argument("text", nargs="*", help="text to tag (default: --file, else standard input)")
    p.add_argument("--model", default="models/finetune", help="a trained model folder (models/finetune, models/crf)")
    p.add_argument("--file", help="a text file, one sentence per line")
    p.add_argument("--format", choices=("entities", "jsonl"), default="entities")
    sub.add_parser("report", help="print metrics/test.json as a markdown table")
    args = parser.parse_args(argv)
    entry({"predict": _predict, "report": _report}[args.command])(args)
