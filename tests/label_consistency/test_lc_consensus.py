"""Dawid-Skene on the published 1979 table; majority vote; item assembly flags (no TensorFlow)."""
import numpy as np
import pytest

from tfx_dcai.label_consistency import agreement_report
from tfx_dcai.label_consistency.consensus import consensus_row, majority_vote
from tfx_dcai.label_consistency.dawid_skene import fit_dawid_skene, response_counts
from tfx_dcai.label_consistency.items import BadInputError, assemble_item, normalize_label
from tfx_dcai.label_consistency.published_tables import DAWID_SKENE_1979

CLASSES, OBSERVERS = [1, 2, 3, 4], [1, 2, 3, 4, 5]


def _plain_em(counts, iterations):
    """Probability-space EM written from the paper, without logs: the independent check."""
    votes = counts.sum(axis=1)
    t = votes / votes.sum(axis=1, keepdims=True)
    for _ in range(iterations):
        p = t.mean(axis=0)
        pi = np.einsum("ik,ijl->jkl", t, counts) + 1e-6
        pi /= pi.sum(axis=2, keepdims=True)
        like = np.array([[p[k] * np.prod(pi[:, k, :] ** counts[i]) for k in range(len(p))]
                         for i in range(len(counts))])
        t = like / like.sum(axis=1, keepdims=True)
    return p, t


def test_dawid_skene_1979_table():
    counts = response_counts(list(DAWID_SKENE_1979.values()), OBSERVERS, CLASSES)
    model = fit_dawid_skene(counts, CLASSES, OBSERVERS)
    prior = np.exp(model.log_prior)
    # class prevalences estimated from this table: about .40, .42, .11, .07
    assert prior == pytest.approx([0.40, 0.42, 0.11, 0.07], abs=0.01)
    p_plain, t_plain = _plain_em(counts, model.n_iterations)
    assert prior == pytest.approx(p_plain, abs=1e-6)
    posteriors = np.array([model.posterior(v) for v in DAWID_SKENE_1979.values()])
    assert posteriors == pytest.approx(t_plain, abs=1e-5)
    unanimous = [i for i, v in enumerate(DAWID_SKENE_1979.values())
                 if len({x for labels in v.values() for x in labels}) == 1]
    assert all(posteriors[i].argmax() + 1 == list(DAWID_SKENE_1979.values())[i][1][0] for i in unanimous)


def test_dawid_skene_stays_finite_with_many_annotators():
    rng = np.random.default_rng(0)
    truth = rng.integers(0, 2, 300)
    items = [{a: int(t if rng.random() < 0.9 else 1 - t) for a in range(200)} for t in truth]
    model = fit_dawid_skene(response_counts(items, list(range(200)), [0, 1]), [0, 1], list(range(200)))
    posterior = np.array([model.posterior(it) for it in items])
    assert np.isfinite(posterior).all() and np.isfinite(model.log_likelihood)
    assert (posterior.argmax(axis=1) == truth).mean() > 0.99


def test_majority_vote_and_ties_are_flagged():
    assert majority_vote({"a": "x", "b": "x", "c": "y"}) == ("x", pytest.approx(2 / 3), False)
    row = consensus_row("i1", {"a": "y", "b": "x"}, [])
    assert row["label"] == "x" and row["flags"] == ["tie"]
    assert consensus_row("i2", {"a": "x"}, [])["flags"] == ["single_label"]
    assert consensus_row("i3", {}, ["missing_label"])["flags"] == ["missing_label", "no_valid_label"]


def test_assemble_item_accounts_for_every_row():
    rows = [("a", "x"), ("a", "x"), ("b", "x"), ("b", "y"), ("c", None), ("d", "zz")]
    labels, flags, dropped = assemble_item(rows, domain={"x", "y"})
    assert labels == {"a": "x"}
    assert flags == ["conflicting_duplicate", "duplicate_rows", "missing_label", "unknown_label"]
    assert dropped == {"duplicate_rows": 1, "conflicting_duplicate": 2, "missing_label": 1, "unknown_label": 1}
    assert len(labels) + sum(dropped.values()) == len(rows)


def test_bad_labels_raise_clear_errors():
    with pytest.raises(BadInputError, match="'lab'.*not UTF-8"):
        normalize_label(b"\xff\xfe", "nominal", "lab")
    with pytest.raises(BadInputError, match="numeric"):
        normalize_label("high", "interval", "lab")
    assert normalize_label([b"cat"], "nominal", "lab") == "cat"
    assert normalize_label("", "nominal", "lab") is None


def test_inconsistent_class_is_named_in_a_finding():
    triples = []
    for i in range(200):
        truth = "cat" if i < 100 else ("dog" if i < 170 else "fox")
        for a in "ABC":
            label = truth
            if truth == "fox" and a == "C":
                label = "dog"  # C never uses "fox": the fox/dog boundary is ambiguous
            triples.append((f"item{i:03d}", a, label))
    report = agreement_report(triples, n_bootstrap=100)
    verdicts = {row["label"]: row["consistent"] for row in report["per_class"]}
    assert verdicts == {"cat": True, "dog": True, "fox": False}
    assert report["status"] == "INCONSISTENT"
    assert any(f.startswith("revise the instructions for class fox: labelers split fox/dog on 100%")
               for f in report["findings"])
    assert {"labels": ["dog", "fox"], "count": 30, "share": 30 / 100,
            "example_items": ["item170", "item171", "item172", "item173", "item174"]} in report["confusions"]
