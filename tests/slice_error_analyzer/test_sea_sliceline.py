"""SliceLine search: the score formula by hand, the top-k against brute-force enumeration, the bound's safety."""
import itertools

import numpy as np
import pytest

from tfx_dcai.slice_error_analyzer import sliceline
from tfx_dcai.slice_error_analyzer.sliceline import SliceLineParams, Totals


def test_score_matches_hand_computation():
    # n=100 rows, mean error 0.1; a slice of 20 rows with error sum 8 (mean 0.4), alpha=0.9:
    # 0.9 * (0.4 / 0.1 - 1) - 0.1 * (100 / 20 - 1) = 2.7 - 0.4 = 2.3
    assert sliceline.score([20], [8], Totals(100, 10.0), 0.9)[0] == pytest.approx(2.3)
    assert sliceline.score([0], [0], Totals(100, 10.0), 0.9)[0] == -np.inf


def _random_problem(seed, n=1500, features=5):
    rng = np.random.default_rng(seed)
    domains = [int(d) for d in rng.integers(2, 5, features)]
    codes = np.stack([rng.integers(0, d, n) for d in domains], axis=1).astype(np.int32)
    planted = (codes[:, 0] == 1) & (codes[:, 1] == 0)
    errors = (rng.random(n) < 0.02 + 0.35 * planted + 0.12 * (codes == 1).sum(axis=1)).astype(float)
    return codes, errors, domains


def _brute_force(codes, errors, domains, params):
    """Every slice up to max_level predicates, scored directly from row masks."""
    n, totals = len(errors), Totals(len(errors), errors.sum())
    found = []
    for level in range(1, params.max_level + 1):
        for features in itertools.combinations(range(len(domains)), level):
            for values in itertools.product(*(range(domains[f]) for f in features)):
                mask = np.all([codes[:, f] == v for f, v in zip(features, values)], axis=0)
                size, total = mask.sum(), errors[mask].sum()
                if size >= params.min_support and total > 0:
                    found.append(float(sliceline.score([size], [total], totals, params.alpha)[0]))
    positive = sorted((s for s in found if s > 0), reverse=True)
    return positive[:params.k], n


@pytest.mark.parametrize("seed,alpha,k", [(0, 0.95, 5), (1, 0.97, 3), (2, 0.99, 3), (3, 0.99, 4)])
def test_top_k_equals_brute_force(seed, alpha, k):
    codes, errors, domains = _random_problem(seed)
    params = SliceLineParams(alpha=alpha, k=k, max_level=3, min_support=20)
    state = sliceline.search_in_memory(codes, errors, domains, params)
    expected, _ = _brute_force(codes, errors, domains, params)
    level_one_positive = (sliceline.score(state.evaluated[0][1][:, 0], state.evaluated[0][1][:, 1],
                                          Totals(len(errors), errors.sum()), alpha) > 0).sum()
    assert level_one_positive >= k, "the top-k must fill at level 1 for pruning to be exact (see module doc)"
    assert list(state.top_stats[:len(expected), 0]) == pytest.approx(expected)


def test_upper_bound_is_never_below_a_childs_score():
    codes, errors, domains = _random_problem(7)
    params = SliceLineParams(alpha=0.9, k=1000, max_level=2, min_support=5)
    totals = Totals(len(errors), errors.sum())
    offsets = np.concatenate([[0], np.cumsum(domains)[:-1]])
    for f1, f2 in itertools.combinations(range(len(domains)), 2):
        for v1, v2 in itertools.product(range(domains[f1]), range(domains[f2])):
            m1, m2 = codes[:, f1] == v1, codes[:, f2] == v2
            child = m1 & m2
            if child.sum() < params.min_support:
                continue
            bound = sliceline.score_upper_bound(
                [min(m1.sum(), m2.sum())], [min(errors[m1].sum(), errors[m2].sum())],
                [min(errors[m1].max(), errors[m2].max())], totals, params)[0]
            actual = sliceline.score([child.sum()], [errors[child].sum()], totals, params.alpha)[0]
            assert bound >= actual - 1e-12, (offsets[f1] + v1, offsets[f2] + v2)


def test_batch_statistics_combine_to_the_whole():
    codes, errors, domains = _random_problem(3, n=400)
    offsets = np.concatenate([[0], np.cumsum(domains)[:-1]]).astype(np.int64)
    m = int(sum(domains))
    candidates = np.array([[0, offsets[1] + 1], [1, offsets[2]], [offsets[1], offsets[3] + 1]])
    baseline = errors * 0.5
    whole = sliceline.evaluate_candidates(codes, offsets, m, errors, baseline, candidates)
    parts = [sliceline.evaluate_candidates(codes[s], offsets, m, errors[s], baseline[s], candidates)
             for s in (slice(0, 150), slice(150, 400))]
    assert np.allclose(sliceline.combine_stats(*parts), whole)
    for row, (a, b) in zip(whole, candidates):
        mask = ((codes + offsets) == a).any(axis=1) & ((codes + offsets) == b).any(axis=1)
        e, d = errors[mask], errors[mask] - baseline[mask]
        assert list(row) == pytest.approx([mask.sum(), e.sum(), e.max(initial=0), (e * e).sum(), d.sum(),
                                           (d * d).sum()])


def test_candidates_need_every_parent_and_distinct_features():
    # columns 0,1 belong to feature 0; 2,3 to feature 1; 4,5 to feature 2
    feature_of = np.array([0, 0, 1, 1, 2, 2])
    params = SliceLineParams(alpha=0.9, k=10, max_level=3, min_support=1)
    totals = Totals(100, 50.0)
    state = sliceline.empty_state()
    state = sliceline.advance(state, sliceline.basic_candidates(6),
                              np.tile([[50, 40, 1, 40, 0, 0]], (6, 1)).astype(float), totals, params)
    pairs, _ = sliceline.next_candidates(state, feature_of, totals, params)
    assert all(feature_of[a] != feature_of[b] for a, b in pairs) and len(pairs) == 12
    # level 3 from only two of the three parents of (0, 2, 4): it must not be generated
    stats = np.tile([[50, 40, 1, 40, 0, 0]], (2, 1)).astype(float)
    state = sliceline.advance(state, np.array([[0, 2], [0, 4]]), stats, totals, params)
    assert len(sliceline.next_candidates(state, feature_of, totals, params)[0]) == 0


def test_invalid_parameters_are_rejected():
    with pytest.raises(ValueError, match="alpha"):
        SliceLineParams(alpha=0, k=1, max_level=1, min_support=1)


def test_sparse_key_path_gives_the_same_statistics(monkeypatch):
    codes, errors, domains = _random_problem(5, n=500)
    offsets = np.concatenate([[0], np.cumsum(domains)[:-1]]).astype(np.int64)
    candidates = np.array([[0, offsets[1] + 1, offsets[2]], [1, offsets[3], offsets[4] + 1]])
    dense = sliceline.evaluate_candidates(codes, offsets, int(sum(domains)), errors, errors, candidates)
    monkeypatch.setattr(sliceline, "DENSE_CELLS_LIMIT", 0)
    assert np.allclose(sliceline.evaluate_candidates(codes, offsets, int(sum(domains)), errors, errors, candidates),
                       dense)


@pytest.mark.parametrize("chunk", [1, 7, 64])
def test_chunked_join_finds_the_same_candidates_as_one_join(monkeypatch, chunk):
    codes, errors, domains = _random_problem(11, n=800, features=6)
    params = SliceLineParams(alpha=0.95, k=4, max_level=4, min_support=5)
    whole = sliceline.search_in_memory(codes, errors, domains, params)
    monkeypatch.setattr(sliceline._joined_pairs, "__defaults__", (chunk,))
    chunked = sliceline.search_in_memory(codes, errors, domains, params)
    assert len(whole.evaluated) == len(chunked.evaluated) == 4 and len(whole.evaluated[2][0]) > 0
    for (a, _), (b, _) in zip(whole.evaluated, chunked.evaluated):
        assert np.array_equal(a, b)
    assert whole.unevaluated == chunked.unevaluated
    assert np.array_equal(whole.top_slices, chunked.top_slices)
