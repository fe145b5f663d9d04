from nerlab.data.sampling import split_off, subset


def test_subset_is_seeded_nested_and_ordered():
    rows = list(range(1000))
    small, large = subset(rows, 30, seed=7), subset(rows, 100, seed=7)
    assert len(small) == 30 and len(large) == 100
    assert set(small) <= set(large)
    assert small == sorted(small)
    assert subset(rows, 100, seed=7) == large
    assert subset(rows, 100, seed=8) != large
    assert subset(rows, None, seed=1) == rows and subset(rows, 5000, seed=1) == rows


def test_split_off_partitions():
    rows = list(range(200))
    rest, held = split_off(rows, 0.05, seed=42)
    assert len(held) == 10 and len(rest) == 190
    assert sorted(rest + held) == rows
    assert split_off(rows, 0.05, seed=42) == (rest, held)


def test_learning_curve_subsets_are_seeded_and_nested():
    rows = list(range(14041))
    sizes = [10, 30, 100, 300, 1000]
    for seed in (42, 43):
        subsets = [set(subset(rows, n, seed)) for n in sizes]
        assert [len(s) for s in subsets] == sizes
        assert all(small < large for small, large in zip(subsets, subsets[1:]))  # the 100 contain the 30
        assert [set(subset(rows, n, seed)) for n in sizes] == subsets  # seeded
    assert set(subset(rows, 100, 42)) != set(subset(rows, 100, 43))
