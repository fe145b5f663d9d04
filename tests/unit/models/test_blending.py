"""Paper 003's blend schedules, the per-epoch mix and training under a schedule."""

import math
from pathlib import Path

import pytest

from defaults import train_config
from nerlab.models.transformer.blending import PAPER_K, PAPER_N, Blend, BlendedBatches, draw
from nerlab.models.transformer.train import train
from toy import build, toy_rows

ROOT = Path(__file__).resolve().parents[3]
T = 20


def w0(schedule, t, epochs=T, **kw):
    return Blend(schedule, **kw).weights(t, epochs)[0]


def test_fixed_schedules():
    assert [w0("distilled", t) for t in (0, 10, 19)] == [1, 1, 1]
    assert [w0("original", t) for t in (0, 10, 19)] == [0, 0, 0]
    assert [w0("simple_mix", t) for t in (0, 9, 10, 19)] == [1, 1, 0, 0]  # 10 epochs each, as groups D/E
    assert [Blend("all").weights(t, T) for t in (0, 19)] == [(1.0, 1.0), (1.0, 1.0)]  # both in full
    assert Blend("cosine").weights(5, T) == pytest.approx((w0("cosine", 5), 1 - w0("cosine", 5)))  # w1 = 1 - w0


@pytest.mark.parametrize("k", PAPER_K)
def test_sigmoid(k):
    assert w0("sigmoid", 0, k=k) == pytest.approx(1 - 1 / (1 + math.exp(k / 2)))
    assert w0("sigmoid", 19, k=k) == pytest.approx(1 - 1 / (1 + math.exp(-k / 2)))
    assert w0("sigmoid", 10, epochs=21, k=k) == pytest.approx(0.5)  # x = 0.5 at the middle epoch
    for t in range(T):  # symmetric around the middle, falling
        assert w0("sigmoid", t, k=k) + w0("sigmoid", T - 1 - t, k=k) == pytest.approx(1)
        if t:
            assert w0("sigmoid", t, k=k) < w0("sigmoid", t - 1, k=k)


def test_sigmoid_steepness_orders_as_in_figure_3():
    early = [w0("sigmoid", 5, k=k) for k in PAPER_K]
    assert early == sorted(early)  # a larger k holds w0 near 1 longer...
    late = [w0("sigmoid", 14, k=k) for k in PAPER_K]
    assert late == sorted(late, reverse=True)  # ...and drops it nearer 0 after the middle


def test_cosine():
    assert w0("cosine", 0) == pytest.approx(1)
    assert w0("cosine", 19) == pytest.approx(0)
    assert w0("cosine", 10, epochs=21) == pytest.approx(0.5)
    assert w0("cosine", 5, epochs=21) == pytest.approx(0.5 * (1 + math.cos(math.pi / 4)))


@pytest.mark.parametrize("n", PAPER_N)
def test_power(n):
    assert w0("power", 0, n=n) == 1 and w0("power", 19, n=n) == pytest.approx(0)
    assert w0("power", 7, n=n) == pytest.approx(1 - (7 / 19) ** n)
    assert w0("power", 10, epochs=21, n=n) == pytest.approx(1 - 0.5 ** n)


@pytest.mark.parametrize("blend", [Blend("simple_mix"), Blend("all"), Blend("sigmoid", k=4), Blend("cosine"),
                                   Blend("power", n=0.5), Blend("original")])
def test_each_epoch_draws_the_scheduled_counts_from_each_source(blend):
    sources = [0] * 30 + [1] * 50
    for epoch in range(T):
        chosen = draw(sources, blend, epoch, T, seed=7)
        w_d, w_o = blend.weights(epoch, T)
        assert sum(sources[i] == 0 for i in chosen) == round(w_d * 30)
        assert sum(sources[i] == 1 for i in chosen) == round(w_o * 50)
        assert len(set(chosen)) == len(chosen)  # without replacement
        assert chosen == draw(sources, blend, epoch, T, seed=7)  # seeded
    if blend.schedule == "cosine":  # a partial draw changes from epoch to epoch
        assert draw(sources, blend, 5, T, 7) != draw(sources, Blend("cosine"), 6, T, 7)


def test_blended_batches_keep_a_sentences_windows_together_and_count_sentences():
    # sentence 1 has two windows (examples 1 and 2); sources: sentences 0-1 distilled, 2-4 original
    sentence_of = [0, 1, 1, 2, 3, 4]
    sampler = BlendedBatches([5, 30, 12, 6, 7, 8], sentence_of, [0, 0, 1, 1, 1], Blend("simple_mix"), epochs=2,
                             batch_size=2, seed=1, pool=2)
    first = sorted(i for b in sampler for i in b)
    assert first == [0, 1, 2] and sampler.drawn == [2, 0]
    sampler.set_epoch(1)
    assert sorted(i for b in sampler for i in b) == [3, 4, 5] and sampler.drawn == [0, 3]
    assert sampler.epoch_sizes(2) == [2, 2]


def test_a_two_epoch_sequential_run_switches_data_at_the_right_epoch(tiny, tmp_path):
    distilled, original = toy_rows(12, 1), toy_rows(20, 2)
    for r in original:
        r["id"] = "o" + r["id"]
    rows, sources = distilled + original, [0] * 12 + [1] * 20
    cfg = train_config(epochs=2, batch_size=4, lr=1e-3, warmup=0.0, checkpoint="last", dev_every=0, seed=0)
    result = train(build(tiny), cfg, rows, toy_rows(4, 3), tmp_path / "m", tmp_path / "s", "seq",
                   sources=sources, blend=Blend("simple_mix"))
    h = result["history"]
    assert [(r["distilled_sentences"], r["original_sentences"]) for r in h] == [(12, 0), (0, 20)]
    assert [(r["w_distilled"], r["w_original"]) for r in h] == [(1.0, 0.0), (0.0, 1.0)]
    assert [r["train_examples"] for r in h] == [12, 20]
    assert "dev_micro_f1" not in h[0]  # dev_every 0: no per-epoch dev scoring
    assert (tmp_path / "m" / "tagger.json").is_file()


def test_an_empty_epoch_does_not_shift_the_schedule(tiny, tmp_path):
    # no distilled data at all: simple mix trains on nothing in epoch 1, on the original set in epoch 2
    cfg = train_config(epochs=2, batch_size=4, lr=1e-3, warmup=0.0, checkpoint="last", dev_every=0, seed=0)
    result = train(build(tiny), cfg, toy_rows(20, 2), toy_rows(4, 3), tmp_path / "m", tmp_path / "s", "empty",
                   sources=[1] * 20, blend=Blend("simple_mix"))
    assert [r["original_sentences"] for r in result["history"]] == [0, 20]


def test_a_resumed_blended_run_draws_what_the_uninterrupted_run_draws(tiny, tmp_path):
    rows, sources = toy_rows(30, 4), [0] * 10 + [1] * 20
    cfg = train_config(epochs=4, batch_size=4, lr=1e-3, warmup=0.0, checkpoint="last", dev_every=0, seed=0)
    full = train(build(tiny), cfg, rows, [], tmp_path / "m1", tmp_path / "s1", "r", sources=sources,
                 blend=Blend("cosine"))["history"]

    def stop(epoch, record):
        if epoch == 2:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        train(build(tiny), cfg, rows, [], tmp_path / "m2", tmp_path / "s2", "r", stop, sources=sources,
              blend=Blend("cosine"))
    resumed = train(build(tiny), cfg, rows, [], tmp_path / "m2", tmp_path / "s2", "r", sources=sources,
                    blend=Blend("cosine"))["history"]
    counts = [(r["distilled_sentences"], r["original_sentences"]) for r in full]
    assert counts == [(10, 0), (8, 5), (3, 15), (0, 20)]  # cosine over 4 epochs: w0 = 1, .75, .25, 0
    assert [(r["distilled_sentences"], r["original_sentences"]) for r in resumed] == counts
    assert [r["train_loss"] for r in resumed] == pytest.approx([r["train_loss"] for r in full], abs=1e-4)
