"""Confident learning (Northcutt, Jiang & Chuang 2021, "Confident Learning: Estimating Uncertainty in Dataset
Labels", JAIR 70), implemented from the paper: confident joint, its calibration, and prune-by-noise-rate.

Inputs are out-of-sample predicted probabilities (n x K) and the given labels (0..K-1).
1. Per-class threshold t_j = mean of p_j over the examples labelled j.
2. Confident joint C[i, j]: examples labelled i whose p_j >= t_j, counted once under the j with the largest
   p among the classes above threshold (examples above no threshold are not counted).
3. Calibration: each row of C is rescaled to the number of examples labelled i, then Q = C / sum(C).
4. Prune by noise rate: for every off-diagonal (i, j), flag the round(n * Q[i, j]) examples labelled i with
   the largest margin p_j - p_i. An example flagged twice is flagged once.
5. Estimated number of label errors: n * (1 - trace(Q)) (the off-diagonal mass of the calibrated joint), with a
   percentile interval from a bootstrap over examples (the thresholds, joint and calibration recomputed on each
   resample).
6. Ranking: label quality = the out-of-sample probability of the given label (self-confidence); the flagged
   examples come first, by increasing label quality, then the others, by increasing label quality (ties: the
   input order). Rank 1 is the most suspicious; every example has a rank.
"""
import numpy as np


def confident_joint(probs: np.ndarray, labels: np.ndarray) -> np.ndarray:
    probs, labels = np.asarray(probs, float), np.asarray(labels, int)
    k = probs.shape[1]
    thresholds = np.array([probs[labels == j, j].mean() if (labels == j).any() else 1.0 for j in range(k)])
    above = probs >= thresholds - 1e-12
    masked = np.where(above, probs, -np.inf)
    counted = above.any(axis=1)
    guess = masked.argmax(axis=1)
    joint = np.zeros((k, k))
    np.add.at(joint, (labels[counted], guess[counted]), 1)
    return joint


def calibrated_joint(joint: np.ndarray, labels: np.ndarray) -> np.ndarray:
    """Q: rows rescaled to the label counts, normalised to sum to 1."""
    counts = np.bincount(np.asarray(labels, int), minlength=joint.shape[0]).astype(float)
    row_sums = joint.sum(axis=1, keepdims=True)
    calibrated = np.divide(joint, row_sums, out=np.zeros_like(joint), where=row_sums > 0) * counts[:, None]
    return calibrated / calibrated.sum()


def find_label_issues(probs, labels) -> np.ndarray:
    """Boolean mask of suspected label errors by prune-by-noise-rate."""
    probs, labels = np.asarray(probs, float), np.asarray(labels, int)
    n, k = probs.shape
    q = calibrated_joint(confident_joint(probs, labels), labels)
    flagged = np.zeros(n, bool)
    for i in range(k):
        in_class = np.flatnonzero(labels == i)
        for j in range(k):
            if i == j:
                continue
            count = int(round(n * q[i, j]))
            if count <= 0 or in_class.size == 0:
                continue
            margin = probs[in_class, j] - probs[in_class, i]
            flagged[in_class[np.argsort(-margin, kind="stable")[:count]]] = True
    return flagged


def out_of_sample_probabilities(features, labels, n_folds: int = 5, seed: int = 0) -> np.ndarray:
    """k-fold out-of-sample class probabilities from a built-in tabular model (scikit-learn)."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.model_selection import StratifiedKFold

    features, labels = np.asarray(features, float), np.asarray(labels, int)
    k = int(labels.max()) + 1
    probs = np.zeros((len(labels), k))
    folds = StratifiedKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    for train, test in folds.split(features, labels):
        model = HistGradientBoostingClassifier(max_iter=100, random_state=seed).fit(features[train], labels[train])
        probs[np.ix_(test, model.classes_)] = model.predict_proba(features[test])
    return probs


def label_quality(probs, labels) -> np.ndarray:
    """Self-confidence: each example's probability of its given label."""
    probs, labels = np.asarray(probs, float), np.asarray(labels, int)
    return probs[np.arange(len(labels)), labels]


def estimated_errors(probs, labels, n_bootstrap: int = 200, confidence: float = 0.95, seed: int = 0) -> tuple:
    """(estimate, ci_low, ci_high) of the number of label errors: n * (1 - trace(Q)), bootstrap over examples."""
    probs, labels = np.asarray(probs, float), np.asarray(labels, int)
    n = len(labels)

    def estimate(p, y):
        joint = confident_joint(p, y)
        if joint.sum() == 0:
            return 0.0
        return float(len(y) * (1.0 - np.trace(calibrated_joint(joint, y))))

    value = estimate(probs, labels)
    if n_bootstrap <= 0 or n < 2:
        return value, float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    draws = [estimate(probs[idx], labels[idx]) for idx in (rng.integers(0, n, n) for _ in range(n_bootstrap))]
    tail = (1.0 - confidence) / 2.0
    return value, float(np.quantile(draws, tail)), float(np.quantile(draws, 1.0 - tail))


def ranking(probs, labels, flagged=None) -> np.ndarray:
    """The rank of each example (1 = most suspicious; see the module docstring, step 6)."""
    quality = label_quality(probs, labels)
    flagged = find_label_issues(probs, labels) if flagged is None else np.asarray(flagged, bool)
    order = np.lexsort((np.arange(len(quality)), quality, ~flagged))
    ranks = np.empty(len(quality), np.int64)
    ranks[order] = np.arange(1, len(quality) + 1)
    return ranks
