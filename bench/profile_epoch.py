"""Where one training epoch's time goes: encoder, heads, data collation, backward, optimiser, dev scoring,
Python overhead, and the floor (the encoder's own forward + backward on the same batches).

    python bench/profile_epoch.py                        # the default finetune recipe (params.yaml)
    python bench/profile_epoch.py --recipe distill       # distill's recipe (its architecture and train block)
    python bench/profile_epoch.py --precision bf16

One epoch on ``--train`` seeded CoNLL-2003 train sentences (default: the recipe's train size, else 1000) runs
three times: plain (the wall time), under ``torch.profiler`` (the breakdown: the training loop's
``record_function`` labels ``nerlab.forward`` / ``nerlab.encoder`` / ``nerlab.heads`` / ``nerlab.backward`` /
``nerlab.optimizer``, and the DataLoader's own event for collation), then the encoder alone: forward and
backward of a plain loss on its output over the same batches (no heads, no word features, no optimiser): the
floor on this CPU. Dev scoring (the recipe's dev set: prepared dev) is profiled on its own. Shares are of the
profiled epoch (the profiler slows many small ops, so its seconds are above the plain run's).
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
from pathlib import Path

PREPARED = "data/prepared/conll2003"
LABELS = {"nerlab.forward": "forward (loss)", "nerlab.encoder": "  of which encoder",
          "nerlab.heads": "  of which word features, heads, losses", "nerlab.backward": "backward",
          "nerlab.optimizer": "clip + AdamW + schedule"}


def seconds_of(prof, name_prefix: str) -> float:
    return sum(e.cpu_time_total for e in prof.key_averages() if e.key.startswith(name_prefix)) / 1e6


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--recipe", choices=("finetune", "distill"), default="finetune")
    parser.add_argument("--train", type=int)
    parser.add_argument("--precision", choices=("fp32", "bf16"), default="fp32")
    parser.add_argument("--seed", type=int, default=42)
    args = parser.parse_args()

    import torch
    from torch.profiler import ProfilerActivity, profile

    from nerlab.config.params import load_params
    from nerlab.config.schema import validate
    from nerlab.data.jsonl import read_json, read_split
    from nerlab.data.sampling import subset
    from nerlab.models.transformer.batching import LengthBucketBatches
    from nerlab.models.transformer.labels import LabelSpace
    from nerlab.models.transformer.precision import autocast
    from nerlab.models.transformer.recipe import Recipe
    from nerlab.models.transformer.train import train

    torch.set_num_threads(len(os.sched_getaffinity(0)))
    params = validate(load_params())
    recipe = (Recipe.from_params(params, args.seed) if args.recipe == "finetune"
              else Recipe.of_section(params, "distill", args.seed))
    size = args.train or recipe.cfg.train_size or 1000
    cfg = recipe.cfg.model_copy(update=dict(epochs=1, checkpoint="last", dev_every=0, precision=args.precision))
    rows = subset(read_split(PREPARED, "train"), size, args.seed)
    dev = read_split(PREPARED, "dev")
    space = LabelSpace.from_labels_json(read_json(f"{PREPARED}/labels.json"))
    work = Path(tempfile.mkdtemp(prefix="nerlab-profile-"))

    def epoch(profiled: bool):
        tagger, _, _ = recipe.build(space)
        if not profiled:
            return tagger, train(tagger, cfg, rows, [], work / "m", work / "s", "p")["history"][0], None
        with profile(activities=[ProfilerActivity.CPU]) as prof:
            record = train(tagger, cfg, rows, [], work / "m", work / "s", "p")["history"][0]
        return tagger, record, prof

    _, plain, _ = epoch(False)
    tagger, profiled, prof = epoch(True)
    total = profiled["epoch_seconds"]
    parts = {label: seconds_of(prof, key) for key, label in LABELS.items()}
    parts["data collation (DataLoader)"] = seconds_of(prof, "enumerate(DataLoader)")
    accounted = sum(v for k, v in parts.items() if not k.startswith("  "))
    parts["rest: Python loop, .item(), tqdm"] = max(0.0, total - accounted)

    # the floor: the encoder's forward + backward alone, same batches, same precision
    model = tagger.model
    model.train()
    examples = [e for per in tagger.encode(rows, with_labels=True) for e in per]
    sampler = LengthBucketBatches([len(e.input_ids) for e in examples], cfg.batch_size, cfg.seed, cfg.bucket_pool)
    loader = torch.utils.data.DataLoader(examples, batch_sampler=sampler, collate_fn=tagger.collate)
    batches = list(loader)
    start = time.perf_counter()
    for batch in batches:
        with autocast("cpu", args.precision):
            out = model.encoder(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"])
        out.last_hidden_state.float().square().mean().backward()
        model.zero_grad(set_to_none=True)
    floor = time.perf_counter() - start

    model.eval()
    with profile(activities=[ProfilerActivity.CPU]) as dev_prof:
        start = time.perf_counter()
        tagger.predict(dev, cfg.eval_batch_size, progress=False)
        dev_seconds = time.perf_counter() - start
    dev_parts = {"encoder": seconds_of(dev_prof, "nerlab.encoder"),
                 "heads (word features, decoding: Viterbi)": seconds_of(dev_prof, "nerlab.heads")}
    dev_parts["rest: tokenising, alignment, collation"] = max(0.0, dev_seconds - sum(dev_parts.values()))

    print(f"{args.recipe} recipe, {size} CoNLL-2003 sentences, head {recipe.spec.head}, word_features "
          f"{recipe.spec.word_features}, batch {cfg.batch_size}, precision {args.precision}, "
          f"{torch.get_num_threads()} threads")
    print(f"one epoch, plain: {plain['epoch_seconds']:.1f} s; profiled: {total:.1f} s")
    for label, seconds in parts.items():
        print(f"  {label:44} {seconds:7.1f} s {100 * seconds / total:5.1f} %")
    share = 100 * floor / plain["epoch_seconds"]
    print(f"floor, the encoder's forward + backward alone: {floor:.1f} s = {share:.0f} % of the plain epoch")
    print(f"dev scoring, {len(dev)} sentences (profiled): {dev_seconds:.1f} s")
    for label, seconds in dev_parts.items():
        print(f"  {label:44} {seconds:7.1f} s {100 * seconds / dev_seconds:5.1f} %")


if __name__ == "__main__":
    main()
