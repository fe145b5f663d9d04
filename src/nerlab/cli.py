"""The `nerlab` console command."""

from __future__ import annotations

import argparse

from nerlab.stage import entry


def main() -> None:
    parser = argparse.ArgumentParser(prog="nerlab", description="nerlab: a reproducible NER lab")
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("report", help="print metrics/test.json as a markdown table")
    args = parser.parse_args()
    if args.command == "report":
        from nerlab import report

        entry(report.main)()
