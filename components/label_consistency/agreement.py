"""Chance-corrected agreement from combinable sufficient statistics (no TensorFlow, no Beam).

Conventions (documented in docs/label_consistency.md):
- Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's alpha-reliability") from the coincidence
  matrix o_vw = sum over units u of n_uv * (n_uw - [v == w]) / (m_u - 1); units with fewer than two values are
  not pairable and are left out of alpha (they are counted and flagged elsewhere). Distances: nominal 0/1,
  ordinal by cumulative marginal frequencies, interval (v - w)^2, ratio ((v - w) / (v + w))^2.
- Bootstrap CI: nonparametric bootstrap over units (percentile interval), done exactly on the table of unit
  profiles (a unit's multiset of values), so it needs no per-unit data.
- Fleiss' kappa (Fleiss 1971) when every pairable unit has the same number of labels, else None.
- Per-class kappa: Fleiss' category kappa generalised to varying labels per unit through the coincidence
  matrix, kappa_c = 1 - n * o_c,notc / (n_c * (n - n_c)); it equals Fleiss' kappa_j when m is constant.
  Per-class (specific) agreement: o_cc / n_c, the share of pairable values c whose partner value is also c.
- Cohen's kappa for a pair of annotators on the units both labelled; weights None, "linear" or "quadratic"
  on the rank of the sorted label values (scikit-learn's convention).
"""
import numpy as np

LEVELS = ("nominal", "ordinal", "interval", "ratio")


def sort_key(value):
    """Total order over label values of mixed types: numbers by value, then text."""
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        return (0, float(value), "")
    return (1, 0.0, str(value))


def unit_profile(values) -> tuple:
    """A unit's multiset of values as a hashable, canonical tuple of (value, count)."""
    values = list(values)
    return tuple((v, values.count(v)) for v in sorted(dict.fromkeys(values), key=sort_key))


def coincidence_matrix(profiles: dict, values: list) -> np.ndarray:
    """o_vw from a {profile: number of units} table; `values` fixes the row/column order."""
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for profile, units in _pairable(profiles):
        o += units * _profile_coincidences(profile, index, sum(c for _, c in profile))
    return o


def _pairable(profiles: dict) -> list:
    """(profile, units) of the profiles with two or more values, in canonical order: sums come out the same
    whatever the order in which items arrived."""
    return sorted(((p, u) for p, u in profiles.items() if sum(c for _, c in p) >= 2),
                  key=lambda pu: [(sort_key(v), c) for v, c in pu[0]])


def _profile_coincidences(profile, index, m) -> np.ndarray:
    o = np.zeros((len(index), len(index)))
    for v, nv in profile:
        for w, nw in profile:
            o[index[v], index[w]] += nv * (nw - (v == w)) / (m - 1)
    return o


def distance_matrix(values: list, level: str, marginals: np.ndarray = None) -> np.ndarray:
    """Squared distances delta^2 between the (sorted) values at a level of measurement."""
    if level not in LEVELS:
        raise ValueError(f"level must be one of {LEVELS}, got {level!r}")
    k = len(values)
    if level == "nominal":
        return 1.0 - np.eye(k)
    x = _numeric(values, level)
    if level == "interval":
        return (x[:, None] - x[None, :]) ** 2
    if level == "ratio":
        total = x[:, None] + x[None, :]
        with np.errstate(invalid="ignore", divide="ignore"):
            d = ((x[:, None] - x[None, :]) / total) ** 2
        return np.where(total == 0, 0.0, d)
    cum = np.concatenate([[0.0], np.cumsum(marginals)])  # ordinal: cumulative marginal frequencies
    g = np.arange(k)
    lo, hi = np.minimum.outer(g, g), np.maximum.outer(g, g)
    between = cum[hi + 1] - cum[lo]
    return (between - (marginals[:, None] + marginals[None, :]) / 2.0) ** 2


def _numeric(values, level) -> np.ndarray:
    try:
        return np.array([float(v) for v in values])
    except (TypeError, ValueError):
        bad = next(v for v in values if sort_key(v)[0] == 1)
        raise ValueError(f"level {level!r} needs numeric labels; got {bad!r}") from None


def alpha_from_coincidence(o: np.ndarray, values: list, level: str) -> float:
    """Krippendorff's alpha = 1 - (n - 1) * sum(o * d) / sum(n_v n_w d); NaN when undefined."""
    n_v = o.sum(axis=1)
    n = n_v.sum()
    if n < 2:
        return float("nan")
    d = distance_matrix(values, level, n_v)
    expected = n_v @ d @ n_v
    if expected == 0:
        return float("nan")
    return float(1.0 - (n - 1.0) * (o * d).sum() / expected)


def bootstrap_alpha_ci(profiles: dict, values: list, level: str, n_bootstrap: int = 1000,
                       confidence: float = 0.95, seed: int = 0) -> tuple:
    """Percentile CI of alpha from resampling units with replacement (multinomial over unit profiles)."""
    pairable = _pairable(profiles)
    if n_bootstrap <= 0 or not pairable:
        return float("nan"), float("nan")
    index = {v: i for i, v in enumerate(values)}
    contrib = np.stack([_profile_coincidences(p, index, sum(c for _, c in p)).ravel() for p, _ in pairable])
    units = np.array([u for _, u in pairable], dtype=float)
    draws = np.random.default_rng(seed).multinomial(int(units.sum()), units / units.sum(), size=n_bootstrap)
    k = len(values)
    alphas = []
    for row in draws @ contrib:
        alphas.append(alpha_from_coincidence(row.reshape(k, k), values, level))
    alphas = np.array(alphas)
    alphas = alphas[np.isfinite(alphas)]
    if alphas.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    return float(np.quantile(alphas, tail)), float(np.quantile(alphas, 1.0 - tail))


def fleiss_kappa_from_profiles(profiles: dict, values: list):
    """Fleiss' kappa over pairable units; None when the units do not all carry the same number of labels."""
    pairable = {p: u for p, u in profiles.items() if sum(c for _, c in p) >= 2}
    sizes = {sum(c for _, c in p) for p in pairable}
    if len(sizes) != 1:
        return None
    m = sizes.pop()
    index = {v: i for i, v in enumerate(values)}
    table = np.zeros((len(pairable), len(values)))
    weights = np.zeros(len(pairable))
    for row, (profile, units) in enumerate(pairable.items()):
        weights[row] = units
        for v, c in profile:
            table[row, index[v]] = c
    return _fleiss(table, weights, m)


def _fleiss(table: np.ndarray, weights: np.ndarray, m: int):
    n_units = weights.sum()
    p = (weights @ table) / (n_units * m)
    p_bar = (weights @ ((table ** 2).sum(axis=1) - m)) / (n_units * m * (m - 1))
    p_e = (p ** 2).sum()
    if p_e == 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def per_class_agreement(o: np.ndarray, values: list) -> list:
    """[{label, agreement, kappa, n_values}] from the coincidence matrix (see module docstring)."""
    n_v = o.sum(axis=1)
    n = n_v.sum()
    rows = []
    for i, value in enumerate(values):
        agreement = o[i, i] / n_v[i] if n_v[i] else float("nan")
        denom = n_v[i] * (n - n_v[i])
        kappa = 1.0 - n * (n_v[i] - o[i, i]) / denom if denom else float("nan")
        rows.append({"label": value, "agreement": float(agreement), "kappa": float(kappa),
                     "n_values": float(n_v[i])})
    return rows


def cohen_from_contingency(table: np.ndarray, weights: str = None) -> float:
    """Cohen's kappa from a square contingency table (rows annotator a, columns annotator b)."""
    total = table.sum()
    if total == 0:
        return float("nan")
    k = table.shape[0]
    ranks = np.arange(k)
    if weights is None:
        w = 1.0 - np.eye(k)
    elif weights == "linear":
        w = np.abs(ranks[:, None] - ranks[None, :]).astype(float)
    elif weights == "quadratic":
        w = ((ranks[:, None] - ranks[None, :]) ** 2).astype(float)
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    expected = np.outer(table.sum(axis=1), table.sum(axis=0)) / total
    denom = (w * expected).sum()
    if denom == 0:
        return float("nan")
    return float(1.0 - (w * table).sum() / denom)
