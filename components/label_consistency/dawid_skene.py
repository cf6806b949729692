"""Dawid & Skene (1979) maximum-likelihood consensus by EM, in log space (no TensorFlow).

Model: item i has a latent true class k with prior p_k; annotator j reports class l with probability
pi_j[k, l], independently given k. EM starts from the per-item vote shares (as in the paper), then
alternates M-step (p, pi from soft class memberships T) and E-step (T from p, pi) until the log-likelihood
improves by less than `tol`. A pseudo-count `smoothing` added to every confusion cell keeps log(pi) finite.
"""
import dataclasses

import numpy as np
from scipy.special import logsumexp


@dataclasses.dataclass
class DawidSkeneModel:
    classes: list
    annotators: list
    log_prior: np.ndarray        # (K,)
    log_confusion: np.ndarray    # (J, K, K): annotator, true class, reported class
    log_likelihood: float
    n_iterations: int

    def posterior(self, labels: dict) -> np.ndarray:
        """Class posterior of one item from {annotator: label or list of labels}; unknown annotators ignored."""
        counts = response_counts([labels], self.annotators, self.classes)[0]
        log_t = self.log_prior + np.einsum("jl,jkl->k", counts, self.log_confusion)
        return np.exp(log_t - logsumexp(log_t))


def response_counts(items: list, annotators: list, classes: list) -> np.ndarray:
    """(items, annotators, classes) counts from [{annotator: label or [labels]}]."""
    a_index = {a: j for j, a in enumerate(annotators)}
    c_index = {c: k for k, c in enumerate(classes)}
    counts = np.zeros((len(items), len(annotators), len(classes)))
    for i, labels in enumerate(items):
        for annotator, given in labels.items():
            if annotator not in a_index:
                continue
            for label in given if isinstance(given, list) else [given]:
                counts[i, a_index[annotator], c_index[label]] += 1
    return counts


def fit_dawid_skene(counts: np.ndarray, classes: list, annotators: list, max_iterations: int = 200,
                    tol: float = 1e-8, smoothing: float = 1e-6) -> DawidSkeneModel:
    votes = counts.sum(axis=1)
    t = votes / np.maximum(votes.sum(axis=1, keepdims=True), 1e-300)
    previous = -np.inf
    for iteration in range(1, max_iterations + 1):
        log_prior, log_confusion = _m_step(counts, t, smoothing)
        log_t = log_prior + np.einsum("ijl,jkl->ik", counts, log_confusion)
        norm = logsumexp(log_t, axis=1, keepdims=True)
        t = np.exp(log_t - norm)
        log_likelihood = float(norm.sum())
        if log_likelihood - previous < tol:
            break
        previous = log_likelihood
    return DawidSkeneModel(list(classes), list(annotators), log_prior, log_confusion, log_likelihood, iteration)


def _m_step(counts, t, smoothing):
    prior = t.mean(axis=0)
    confusion = np.einsum("ik,ijl->jkl", t, counts) + smoothing
    confusion /= confusion.sum(axis=2, keepdims=True)
    with np.errstate(divide="ignore"):
        return np.log(prior), np.log(confusion)
