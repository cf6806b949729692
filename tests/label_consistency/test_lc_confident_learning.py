"""Confident learning from the paper's definitions, on hand-checkable and simulated noisy data (no TensorFlow)."""
import numpy as np
import pytest

from tfx_dcai.label_consistency.confident_learning import (calibrated_joint, confident_joint,
                                                             find_label_issues, out_of_sample_probabilities)


def test_confident_joint_by_hand():
    probs = np.array([[0.9, 0.1], [0.8, 0.2], [0.3, 0.7], [0.2, 0.8], [0.1, 0.9], [0.6, 0.4]])
    labels = np.array([0, 0, 0, 1, 1, 1])
    # thresholds: t0 = mean(.9,.8,.3) = 2/3, t1 = mean(.8,.9,.4) = 0.7
    # ex2 (label 0): p1=.7 >= .7 -> C[0,1]; ex5 (label 1): p0=.6 < 2/3, p1=.4 < .7 -> not counted
    assert confident_joint(probs, labels).tolist() == [[2, 1], [0, 2]]
    q = calibrated_joint(confident_joint(probs, labels), labels)
    assert q.sum() == pytest.approx(1.0)
    assert q[0, 1] == pytest.approx((1 / 3 * 3) / 6)
    assert find_label_issues(probs, labels).tolist() == [False, False, True, False, False, False]


def test_finds_injected_noise_with_out_of_sample_probabilities():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1500, 4))
    truth = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    noisy = truth.copy()
    flip = rng.random(1500) < 0.12
    noisy[flip] = 1 - noisy[flip]
    flagged = find_label_issues(out_of_sample_probabilities(x, noisy), noisy)
    precision = (flagged & flip).sum() / flagged.sum()
    recall = (flagged & flip).sum() / flip.sum()
    assert precision >= 0.8 and recall >= 0.8
