"""Benchmark: the local LLM backend's throughput at concurrency 1 and N, and the answer parser's throughput.

Starts nerlab's llama.cpp server (SmolLM2-135M by default) once per
concurrency level with as many slots, annotates the same seeded CoNLL-2003
train sentences with the given prompt (no cache: every request goes to the
server), and prints sentences/s, completion tokens/s and the speed-up of N
over 1. Then times the tolerant parser + alignment over every answer
collected, many times over (answers/s).

    python bench/annotate_speed.py --sentences 16 --concurrency 1 2 --prompt standard

Needs the prepared data (dvc repro fetch) under data/prepared/conll2003.
"""

from __future__ import annotations

import argparse
import logging
import tempfile
import time
from pathlib import Path

from nerlab.annotate import prompts
from nerlab.annotate.align import spans_to_tags
from nerlab.annotate.annotator import LLMAnnotator, entity_reader, few_shot_pool
from nerlab.annotate.cache import ResponseCache
from nerlab.annotate.client import ChatClient, ClientConfig
from nerlab.annotate.parse import TypeNames, parse_answer
from nerlab.annotate.server import local_server
from nerlab.config.params import load_params
from nerlab.config.schema import validate
from nerlab.data.jsonl import read_json, read_split
from nerlab.data.sampling import subset

PREPARED = Path("data/prepared/conll2003")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sentences", type=int, default=16)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--prompt", default="standard")
    parser.add_argument("--model", default="smollm2-135m")
    parser.add_argument("--parse-repeats", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING)
    params = validate(load_params())
    cfg, seed = params.annotate, params.seed
    types = read_json(PREPARED / "labels.json")["types"]
    train = read_split(PREPARED, "train")
    sample = subset(train, args.sentences, seed)
    pool = few_shot_pool(train, sample)
    spec = cfg.prompts[args.prompt]
    template = prompts.Template.load(args.prompt, spec.template, spec.reasoning)
    entities = prompts.EntityTypes.load(Path(cfg.definitions) / "conll2003.yaml", types)
    shots = prompts.pick_random(pool, cfg.shots, seed, types)
    names = TypeNames(types, entities.aliases)
    settings = {"temperature": 0.0, "max_tokens": spec.max_tokens, "seed": seed}
    results, answers = [], []
    for n in args.concurrency:
        with tempfile.TemporaryDirectory() as tmp, \
                local_server(cfg.local.model_copy(update={"model": args.model}), n, Path(tmp) / "server.log") as base:
            client = ChatClient(ClientConfig(base, args.model, None, timeout=600, max_retries=cfg.max_retries,
                                             backoff=cfg.backoff))
            annotator = LLMAnnotator(client, ResponseCache(Path(tmp) / "cache.sqlite"), "local", settings,
                                     lambda row: prompts.messages(row, template, entities, shots),
                                     entity_reader(names), n)
            start = time.perf_counter()
            out, usage = annotator.annotate(sample, desc=f"concurrency {n}")
            seconds = time.perf_counter() - start
        answers += [(a.tokens, a.raw) for a in out if a.raw]
        results.append({"concurrency": n, "seconds": seconds, "sentences_per_s": len(sample) / seconds,
                        "completion_tokens_per_s": usage.completion_tokens / seconds,
                        "prompt_tokens": usage.prompt_tokens, "completion_tokens": usage.completion_tokens,
                        "failures": usage.failures})
    print(f"local backend: {args.model}, prompt {args.prompt}, {len(sample)} CoNLL sentences, "
          f"max_tokens {settings['max_tokens']}")
    print(f"{'concurrency':>11} {'seconds':>8} {'sent/s':>7} {'compl tok/s':>11} {'prompt tok':>10} "
          f"{'compl tok':>9} {'x vs 1':>7}")
    for r in results:
        print(f"{r['concurrency']:>11} {r['seconds']:8.1f} {r['sentences_per_s']:7.3f} "
              f"{r['completion_tokens_per_s']:11.1f} {r['prompt_tokens']:>10} {r['completion_tokens']:>9} "
              f"{r['sentences_per_s'] / results[0]['sentences_per_s']:7.2f}")
    start = time.perf_counter()
    for _ in range(args.parse_repeats):
        for tokens, raw in answers:
            spans_to_tags(tokens, parse_answer(raw, names).spans)
    seconds = time.perf_counter() - start
    print(f"parser + alignment: {args.parse_repeats * len(answers) / seconds:,.0f} answers/s "
          f"({len(answers)} real answers x {args.parse_repeats})")


if __name__ == "__main__":
    main()
