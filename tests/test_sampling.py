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
