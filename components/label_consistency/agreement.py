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

from tfx_dcai.label_consistency.config import LEVELS
from tfx_dcai.predictions import label_sort_key


def unit_profile(values) -> tuple:
    """A unit's multiset of values as a hashable, canonical tuple of (value, count)."""
    values = list(values)
    return tuple((v, values.count(v)) for v in sorted(dict.fromkeys(values), key=label_sort_key))


def _pairable(profiles: dict) -> list:
    """(profile, units) of the profiles with two or more values, in canonical order: sums come out the same
    whatever the order in which items arrived."""
    return sorted(((p, u) for p, u in profiles.items() if sum(c for _, c in p) >= 2),
                  key=lambda pu: [(label_sort_key(v), c) for v, c in pu[0]])


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
        bad = next(v for v in values if label_sort_key(v)[0] == 1)
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


class ProfileTable:
    """The pairable unit profiles as sparse arrays: memory O(profiles + their values), never O(labels^2).

    Attributes:
      values: the label values (codes index them).
      units: (P,) units per profile; m: (P,) values per profile.
      rows, codes, counts: one entry per (profile, value) with a count > 0 (CSR order).
    """

    def __init__(self, profiles: dict, values: list):
        index = {v: i for i, v in enumerate(values)}
        pairable = _pairable(profiles)
        self.values = list(values)
        self.units = np.array([u for _, u in pairable], dtype=float)
        self.m = np.array([sum(c for _, c in p) for p, _ in pairable], dtype=float)
        self.rows = np.repeat(np.arange(len(pairable)), [len(p) for p, _ in pairable]).astype(np.int64)
        self.codes = np.array([index[v] for p, _ in pairable for v, _ in p], dtype=np.int64)
        self.counts = np.array([c for p, _ in pairable for _, c in p], dtype=float)

    @property
    def n_profiles(self) -> int:
        return len(self.units)

    def per_profile(self, entry_values: np.ndarray) -> np.ndarray:
        """Sum over each profile's entries of `entry_values`."""
        return np.bincount(self.rows, weights=entry_values, minlength=self.n_profiles)

    def marginals(self, weights: np.ndarray = None) -> np.ndarray:
        """n_v: pairable values of each label, with profile weights `weights` (default: units)."""
        w = self.units if weights is None else weights
        return np.bincount(self.codes, weights=w[self.rows] * self.counts, minlength=len(self.values))

    def self_coincidences(self) -> np.ndarray:
        """Per entry, o_vv's share: c (c - 1) / (m - 1)."""
        return self.counts * (self.counts - 1.0) / (self.m[self.rows] - 1.0)


def coincidence_matrix(profiles: dict, values: list) -> np.ndarray:
    """o_vw (dense: for a bounded number of labels) from a {profile: number of units} table; `values` fixes the
    row/column order."""
    index = {v: i for i, v in enumerate(values)}
    o = np.zeros((len(values), len(values)))
    for profile, units in _pairable(profiles):
        o += units * _profile_coincidences(profile, index, sum(c for _, c in profile))
    return o


def alpha_from_profiles(table: ProfileTable, level: str) -> float:
    """Krippendorff's alpha of a ProfileTable; nominal and interval in O(entries) for any number of labels,
    ordinal and ratio through the dense coincidence matrix (NaN when undefined: no variation in the values)."""
    return float(_alphas(table, level, table.units[None, :])[0])


def _alphas(table: ProfileTable, level: str, weights: np.ndarray) -> np.ndarray:
    """Alpha for each row of `weights` (units per profile, e.g. bootstrap resamples of the units)."""
    n = weights @ table.m
    if level == "nominal":
        diag = weights @ table.per_profile(table.self_coincidences())
        sum_sq = _sum_of_squared_marginals(table, weights)
        observed, expected = n - diag, n * n - sum_sq
    elif level == "interval":
        x = np.array([float(v) for v in _numeric(table.values, level)])
        xe = x[table.codes]
        s1_p, s2_p = table.per_profile(table.counts * xe), table.per_profile(table.counts * xe * xe)
        observed = weights @ (2.0 * (table.m * s2_p - s1_p ** 2) / (table.m - 1.0))
        s1, s2 = weights @ s1_p, weights @ s2_p
        expected = 2.0 * (n * s2 - s1 ** 2)
    else:
        return np.array([alpha_from_coincidence(o, table.values, level) for o in _dense_coincidences(table, weights)])
    with np.errstate(invalid="ignore", divide="ignore"):
        alpha = 1.0 - (n - 1.0) * observed / expected
    return np.where((n >= 2) & (expected > 0), alpha, np.nan)


def _sum_of_squared_marginals(table: ProfileTable, weights: np.ndarray) -> np.ndarray:
    """sum_v n_v^2 for each row of `weights`, in chunks of rows bounded by the number of labels."""
    from scipy import sparse

    matrix = sparse.csr_matrix((table.counts, (table.rows, table.codes)), shape=(table.n_profiles, len(table.values)))
    out = np.empty(len(weights))
    step = max(1, _CHUNK_CELLS // max(1, len(table.values)))
    for start in range(0, len(weights), step):
        marginals = sparse.csr_matrix(weights[start:start + step]) @ matrix
        out[start:start + step] = np.asarray(marginals.multiply(marginals).sum(axis=1)).ravel()
    return out


def _dense_coincidences(table: ProfileTable, weights: np.ndarray):
    """o (k x k) for each row of `weights` (ordinal and ratio: a bounded number of labels)."""
    from scipy import sparse

    k = len(table.values)
    entries_p, entries_c, entries_v = [], [], []
    starts = np.flatnonzero(np.r_[True, table.rows[1:] != table.rows[:-1]]) if len(table.rows) else []
    bounds = list(zip(starts, [*starts[1:], len(table.rows)]))
    for p, (s, e) in enumerate(bounds):
        codes, counts = table.codes[s:e], table.counts[s:e]
        contribution = np.outer(counts, counts) - np.diag(counts)
        entries_p.append(np.full(contribution.size, p))
        entries_c.append((codes[:, None] * k + codes[None, :]).ravel())
        entries_v.append(contribution.ravel() / (table.m[p] - 1.0))
    matrix = sparse.csr_matrix((np.concatenate(entries_v or [[]]), (np.concatenate(entries_p or [[]]).astype(int),
                                np.concatenate(entries_c or [[]]).astype(int))), shape=(table.n_profiles, k * k))
    step = max(1, _CHUNK_CELLS // max(1, k * k))
    for start in range(0, len(weights), step):
        block = sparse.csr_matrix(weights[start:start + step]) @ matrix
        for row in block.toarray():
            yield row.reshape(k, k)


_CHUNK_CELLS = 1 << 22  # cells of a dense block of marginals or coincidences held at once (32 MiB of floats)


def bootstrap_alpha_ci(profiles: dict, values: list, level: str, n_bootstrap: int = 1000,
                       confidence: float = 0.95, seed: int = 0, table: ProfileTable = None) -> tuple:
    """Percentile CI of alpha from resampling units with replacement (multinomial over unit profiles); memory
    bounded by profiles x a chunk of resamples, never by labels squared."""
    table = table if table is not None else ProfileTable(profiles, values)
    if n_bootstrap <= 0 or not table.n_profiles:
        return float("nan"), float("nan")
    rng = np.random.default_rng(seed)
    total = int(table.units.sum())
    shares = table.units / table.units.sum()
    step = max(1, min(n_bootstrap, _CHUNK_CELLS // max(1, table.n_profiles)))
    alphas = []
    for start in range(0, n_bootstrap, step):
        draws = rng.multinomial(total, shares, size=min(step, n_bootstrap - start)).astype(float)
        alphas.append(_alphas(table, level, draws))
    alphas = np.concatenate(alphas)
    alphas = alphas[np.isfinite(alphas)]
    if alphas.size == 0:
        return float("nan"), float("nan")
    tail = (1.0 - confidence) / 2.0
    return float(np.quantile(alphas, tail)), float(np.quantile(alphas, 1.0 - tail))


def fleiss_kappa_from_profiles(profiles: dict, values: list, table: ProfileTable = None):
    """Fleiss' kappa over pairable units; None when the units do not all carry the same number of labels
    (sparse: O(profile entries))."""
    table = table if table is not None else ProfileTable(profiles, values)
    sizes = set(table.m.tolist())
    if len(sizes) != 1:
        return None
    m = sizes.pop()
    n_units = table.units.sum()
    p = table.marginals() / (n_units * m)
    squares = table.per_profile(table.counts ** 2)
    p_bar = (table.units @ (squares - m)) / (n_units * m * (m - 1))
    p_e = float((p ** 2).sum())
    if p_e >= 1.0 - 1e-12:
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def _fleiss(table: np.ndarray, weights: np.ndarray, m: int):
    n_units = weights.sum()
    p = (weights @ table) / (n_units * m)
    p_bar = (weights @ ((table ** 2).sum(axis=1) - m)) / (n_units * m * (m - 1))
    p_e = (p ** 2).sum()
    if p_e == 1.0:
        return float("nan")
    return float((p_bar - p_e) / (1.0 - p_e))


def per_class_from_profiles(table: ProfileTable) -> list:
    """[{label, agreement, kappa, n_values}] from a ProfileTable (sparse; see per_class_agreement)."""
    n_v = table.marginals()
    o_vv = np.bincount(table.codes, weights=table.units[table.rows] * table.self_coincidences(),
                       minlength=len(table.values))
    return _per_class_rows(n_v, o_vv, table.values)


def per_class_agreement(o: np.ndarray, values: list) -> list:
    """[{label, agreement, kappa, n_values}] from the coincidence matrix (see module docstring)."""
    return _per_class_rows(o.sum(axis=1), np.diag(o), values)


def _per_class_rows(n_v: np.ndarray, o_vv: np.ndarray, values: list) -> list:
    n = n_v.sum()
    rows = []
    for i, value in enumerate(values):
        agreement = o_vv[i] / n_v[i] if n_v[i] else float("nan")
        denom = n_v[i] * (n - n_v[i])
        kappa = 1.0 - n * (n_v[i] - o_vv[i]) / denom if denom else float("nan")
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


def cohen_from_pairs(cells: dict, values: list, weights: str = None) -> float:
    """Cohen's kappa from a sparse contingency table {(label a, label b): count}; weights on the ranks of the
    labels in `values` (as cohen_from_contingency, in O(cells + labels) for any number of labels)."""
    index = {v: i for i, v in enumerate(values)}
    if not cells:
        return float("nan")
    a = np.array([index[la] for la, _ in cells], dtype=np.int64)
    b = np.array([index[lb] for _, lb in cells], dtype=np.int64)
    count = np.array(list(cells.values()), dtype=float)
    total = count.sum()
    k = len(values)
    rows, cols = np.bincount(a, count, k), np.bincount(b, count, k)
    ranks = np.arange(k, dtype=float)
    if weights is None:
        observed = count[a != b].sum()
        expected = total - (rows * cols).sum() / total
    elif weights == "quadratic":
        observed = (count * (a - b).astype(float) ** 2).sum()
        expected = (rows.sum() * (cols * ranks ** 2).sum() - 2 * (rows * ranks).sum() * (cols * ranks).sum()
                    + cols.sum() * (rows * ranks ** 2).sum()) / total
    elif weights == "linear":
        observed = (count * np.abs(a - b)).sum()
        below_n, below_s = np.cumsum(cols) - cols, np.cumsum(cols * ranks) - cols * ranks
        above_n, above_s = cols.sum() - np.cumsum(cols), (cols * ranks).sum() - np.cumsum(cols * ranks)
        distance_sums = ranks * below_n - below_s + above_s - ranks * above_n
        expected = (rows * distance_sums).sum() / total
    else:
        raise ValueError(f"weights must be None, 'linear' or 'quadratic', got {weights!r}")
    if expected == 0:
        return float("nan")
    return float(1.0 - observed / expected)
