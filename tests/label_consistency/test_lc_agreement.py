"""Agreement statistics against published worked examples and independent implementations (no TensorFlow)."""
import itertools

import numpy as np
import pytest
from sklearn.metrics import cohen_kappa_score
from statsmodels.stats.inter_rater import aggregate_raters, fleiss_kappa as sm_fleiss_kappa

from tfx_dcai.label_consistency import agreement_report, cohen_kappa, fleiss_kappa, krippendorff_alpha
from tfx_dcai.label_consistency.accumulator import AgreementAccumulator
from tfx_dcai.label_consistency.agreement import bootstrap_alpha_ci, coincidence_matrix, alpha_from_coincidence
from tfx_dcai.label_consistency.published_tables import (
    FLEISS_1971, FLEISS_1971_CATEGORY_KAPPA, FLEISS_1971_KAPPA, KRIPPENDORFF_2011,
    KRIPPENDORFF_2011_ALPHA)


@pytest.mark.parametrize("level", sorted(KRIPPENDORFF_2011_ALPHA))
def test_krippendorff_worked_example(level):
    assert krippendorff_alpha(KRIPPENDORFF_2011, level) == pytest.approx(KRIPPENDORFF_2011_ALPHA[level], abs=5e-4)


def _naive_alpha(data, distance):
    """Alpha from its pairwise definition: observed vs expected disagreement over pairable values."""
    units = [[v for v in col if v is not None] for col in zip(*data)]
    units = [u for u in units if len(u) >= 2]
    pooled = [v for u in units for v in u]
    d_o = sum(sum(distance(a, b) for a, b in itertools.permutations(u, 2)) / (len(u) - 1) for u in units)
    d_e = sum(distance(a, b) for a, b in itertools.permutations(pooled, 2))
    return 1.0 - (len(pooled) - 1) * d_o / d_e


@pytest.mark.parametrize("seed", range(3))
def test_alpha_matches_pairwise_definition_on_random_data_with_missing(seed):
    rng = np.random.default_rng(seed)
    data = rng.integers(0, 4, size=(4, 30)).astype(object)
    data[rng.random(data.shape) < 0.25] = None
    data = data.tolist()
    assert krippendorff_alpha(data, "nominal") == pytest.approx(_naive_alpha(data, lambda a, b: float(a != b)))
    assert krippendorff_alpha(data, "interval") == pytest.approx(_naive_alpha(data, lambda a, b: (a - b) ** 2))


def test_alpha_from_unit_profiles_equals_vectorised_path():
    acc = AgreementAccumulator()
    for u, col in enumerate(zip(*KRIPPENDORFF_2011)):
        labels = {a: v for a, v in enumerate(col) if v is not None}
        acc.add_item(u, labels)
    values = acc.values()
    o = coincidence_matrix(acc.profiles, values)
    for level in KRIPPENDORFF_2011_ALPHA:
        assert alpha_from_coincidence(o, values, level) == pytest.approx(krippendorff_alpha(KRIPPENDORFF_2011, level))


def test_bootstrap_ci_brackets_alpha_and_is_reproducible():
    data = [[(u + (a == 2 and u % 5 == 0)) % 3 for u in range(200)] for a in range(3)]
    acc = AgreementAccumulator()
    for u, col in enumerate(zip(*data)):
        acc.add_item(u, dict(enumerate(col)))
    alpha = krippendorff_alpha(data)
    low, high = bootstrap_alpha_ci(acc.profiles, acc.values(), "nominal", 500, seed=1)
    assert low < alpha < high
    assert (low, high) == bootstrap_alpha_ci(acc.profiles, acc.values(), "nominal", 500, seed=1)
    assert high - low < 0.2


def test_fleiss_1971_published_kappa_and_category_kappas():
    table, _ = aggregate_raters(np.array(FLEISS_1971))
    assert fleiss_kappa(table) == pytest.approx(FLEISS_1971_KAPPA, abs=5e-4)
    report = agreement_report([(i, j, v) for i, row in enumerate(FLEISS_1971) for j, v in enumerate(row)],
                              n_bootstrap=0)
    assert report["fleiss_kappa"] == pytest.approx(FLEISS_1971_KAPPA, abs=5e-4)
    kappas = {row["label"]: row["kappa"] for row in report["per_class"]}
    assert kappas == pytest.approx(FLEISS_1971_CATEGORY_KAPPA, abs=5e-4)


@pytest.mark.parametrize("seed", range(3))
def test_fleiss_matches_statsmodels(seed):
    raters = np.random.default_rng(seed).integers(0, 4, size=(50, 5))
    table, _ = aggregate_raters(raters)
    assert fleiss_kappa(table) == pytest.approx(sm_fleiss_kappa(table, method="fleiss"))


@pytest.mark.parametrize("weights", [None, "linear", "quadratic"])
def test_cohen_matches_scikit_learn(weights):
    rng = np.random.default_rng(7)
    a = rng.integers(0, 5, 300)
    b = np.where(rng.random(300) < 0.6, a, rng.integers(0, 5, 300))
    assert cohen_kappa(a.tolist(), b.tolist(), weights) == pytest.approx(cohen_kappa_score(a, b, weights=weights))


def test_cohen_worked_example():
    # Cohen (1960)-style 2x2 table from Wikipedia's worked example: 20 yes/yes, 5 yes/no, 10 no/yes, 15 no/no.
    a = ["yes"] * 25 + ["no"] * 25
    b = ["yes"] * 20 + ["no"] * 5 + ["yes"] * 10 + ["no"] * 15
    assert cohen_kappa(a, b) == pytest.approx(0.4)


def test_pairwise_rows_match_scikit_learn_on_overlapping_items():
    rng = np.random.default_rng(3)
    truth = rng.integers(0, 3, 120)
    noisy = {a: np.where(rng.random(120) < 0.8, truth, rng.integers(0, 3, 120)) for a in "ABC"}
    triples = [(i, a, int(noisy[a][i])) for a in "ABC" for i in range(120) if not (a == "C" and i % 4 == 0)]
    report = agreement_report(triples, n_bootstrap=0)
    by_pair = {tuple(r["annotators"]): r for r in report["pairwise"]}
    keep = [i for i in range(120) if i % 4]
    assert by_pair[("A", "C")]["n_items"] == len(keep)
    assert by_pair[("A", "C")]["cohen_kappa"] == pytest.approx(cohen_kappa_score(noisy["A"][keep], noisy["C"][keep]))
    assert by_pair[("A", "B")]["percent_agreement"] == pytest.approx(np.mean(noisy["A"] == noisy["B"]))


def test_public_api_imports_neither_tensorflow_nor_beam():
    import os
    import subprocess
    import sys
    repo = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    code = ("import sys, tfx_dcai.label_consistency; "
            "print(sorted(m for m in ('tensorflow', 'tfx', 'apache_beam') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=repo,
                         env={**os.environ, "PYTHONPATH": repo}, check=True).stdout
    assert out.strip() == "[]"


def test_accumulator_pattern_cache_matches_fresh_items_and_is_not_pickled():
    import pickle

    items = [{"a": "x", "b": "x", "c": "y"}, {"a": True, "b": 1}, {"a": 1, "b": 2}, {"a": "x", "b": "x", "c": "y"}]
    cached, fresh = AgreementAccumulator(), AgreementAccumulator()
    for i, labels in enumerate(items):
        cached.add_item(f"i{i}", labels)
        fresh.merge(AgreementAccumulator().add_item(f"i{i}", labels))  # one accumulator per item: no cache hits
    restored = pickle.loads(pickle.dumps(cached))
    assert "_terms" not in cached.__getstate__() and restored._terms == {}
    for acc in (cached, restored):
        assert acc.profiles == fresh.profiles and acc.pair_tables == fresh.pair_tables
        assert acc.class_items == fresh.class_items and acc.confusion_items == fresh.confusion_items
        assert acc.confusion_examples == fresh.confusion_examples and acc.n_items == fresh.n_items == 4
