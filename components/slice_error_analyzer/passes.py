"""The analysis as passes over record batches: pure per-batch steps and their merges, run by two drivers.

1. profile: per batch, each feature's FeatureProfile and the TargetProfile of label and predictions; merged
   (order-independent) into one Profile;
2. setup: from the merged profile, the features' encodings and the PredictionSpec (task, classes, metric);
3. score: per batch, the used rows' feature codes and losses, and the RowCounts (rows dropped by reason);
4. SliceLine level by level: per batch, the statistics of the level's candidate slices (sums, a max), merged;
   the next level's candidates from the merged statistics.

beam_sliceline.py runs these steps in Beam (merges as CombineFns, each level's candidates as a side input);
in_memory.py runs them in a loop over batches held in memory. Both give the same result on the same batches.
Nothing here imports Beam or TensorFlow.
"""
import dataclasses
from typing import Dict, FrozenSet, Iterable, Optional, Sequence, Tuple

import numpy as np
import pyarrow as pa

from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.slice_error_analyzer import encoding, row_losses, sliceline
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError
from tfx_dcai.slice_error_analyzer.row_losses import MODEL, PredictionSource, RowCounts


@dataclasses.dataclass(frozen=True)
class Plan:
    """What an analysis reads.

    Attributes:
      label_key: the label column.
      source: where the model's predictions are; baseline: the baseline model's, or None.
      features: the features to slice.
      categorical: features a schema marks categorical (integers included).
      where: how error messages name the data (a path, "the examples").
    """
    label_key: str
    source: PredictionSource
    features: Tuple[str, ...]
    baseline: Optional[PredictionSource] = None
    categorical: FrozenSet[str] = frozenset()
    where: str = "the examples"


def make_plan(names: Sequence[str], config: SliceConfig, where: str = "the examples",
              model_column: Optional[str] = None, baseline_column: Optional[str] = None,
              baseline_model_column: Optional[str] = None, categorical: Iterable[str] = ()) -> Plan:
    """The Plan for data with columns `names`.

    Args:
      names: the data's columns (a model's output column included when there is one).
      config: the SliceConfig (label_key, prediction_key, include/exclude).
      where: how errors name the data.
      model_column: the column of model outputs (predictions from a model instead of prediction_key).
      baseline_column: a baseline prediction column P (or prefix of P_<label>) in the data.
      baseline_model_column: the column of the baseline model's outputs.
      categorical: features to treat as categorical whatever their type.

    Raises:
      SliceInputError: the label or prediction columns are not in the data, or no feature is left.
    """
    config.require_label("label_key (--label-column)")
    names = list(names)
    if config.label_key not in names:
        raise SliceInputError(f"label column {config.label_key!r} is not in {where} (columns: "
                              f"{', '.join(map(str, names))})")
    if model_column:
        source = PredictionSource(MODEL, (model_column,))
    elif config.prediction_key:
        source = row_losses.source_from_columns(names, config.prediction_key, where)
    else:
        raise SliceInputError("give the predictions: prediction_key (--prediction-column) or a model (--model)")
    baseline = None
    if baseline_model_column:
        baseline = PredictionSource(MODEL, (baseline_model_column,))
    elif baseline_column:
        baseline = row_losses.source_from_columns(names, baseline_column, where)
    reserved = {RAW_RECORD_COLUMN, *source.columns, *(baseline.columns if baseline else ())}
    features = config.features_from([n for n in names if n not in reserved], source=where)
    return Plan(config.label_key, source, features, baseline, frozenset(categorical), where)


# ----- 1. profile -----

@dataclasses.dataclass
class Profile:
    """The features' profiles and the label/prediction profile of some batches (mergeable)."""
    features: Dict[str, encoding.FeatureProfile] = dataclasses.field(default_factory=dict)
    target: row_losses.TargetProfile = dataclasses.field(default_factory=row_losses.TargetProfile)

    def merge(self, other: "Profile") -> "Profile":
        features = dict(self.features)
        for name, profile in other.features.items():
            features[name] = features[name].merge(profile) if name in features else profile
        return Profile(features, self.target.merge(other.target))


def _column(batch: pa.RecordBatch, name: str, where: str):
    if name not in batch.schema.names:
        raise SliceInputError(f"feature {name!r} is missing from a batch of {where}")
    return batch.column(batch.schema.names.index(name))


def profile_batch(batch: pa.RecordBatch, plan: Plan) -> Profile:
    """The Profile of one batch."""
    features = {name: encoding.profile_column(name, _column(batch, name, plan.where), name in plan.categorical)
                for name in plan.features}
    return Profile(features, row_losses.profile_targets(batch, plan.label_key, plan.source, plan.where))


# ----- 2. setup -----

@dataclasses.dataclass(frozen=True)
class Setup:
    """How every batch is encoded and scored: the encodings, the PredictionSpec, and notes for the report."""
    encodings: Tuple[encoding.FeatureEncoding, ...]
    spec: row_losses.PredictionSpec
    notes: Tuple[str, ...] = ()

    @property
    def n_columns(self) -> int:
        return int(sum(e.domain for e in self.encodings))


def make_setup(profile: Profile, plan: Plan, config: SliceConfig,
               given: Optional[Dict[str, Optional[encoding.FeatureEncoding]]] = None) -> Setup:
    """Encodings (given ones from TFDV statistics, else from the profile) and the resolved PredictionSpec.

    Raises:
      SliceInputError: from row_losses.resolve, or when no feature can be sliced.
    """
    spec = row_losses.resolve(profile.target, plan.label_key, plan.source, config, plan.baseline, plan.where)
    encodings, multivalent = [], []
    for name in plan.features:
        found = profile.features.get(name)
        if found is not None and found.max_values_per_row > 1:
            multivalent.append(f"{name} (up to {found.max_values_per_row})")
        elif (given or {}).get(name) is not None:
            encodings.append(given[name])
        elif found is not None:
            encodings.append(encoding.encoding_from_profile(found, config.num_bins, config.max_values))
        else:
            encodings.append(encoding.FeatureEncoding(name, encoding.NUMERIC))
    notes = list(spec.notes)
    if multivalent:
        notes.append("feature(s) with several values in a row cannot be sliced by value and were left out: "
                     + ", ".join(multivalent))
    if not encodings:
        raise SliceInputError(f"no feature of {plan.where} can be sliced (every one holds several values per row): "
                              "give single-valued features")
    return Setup(tuple(encodings), spec, tuple(notes))


# ----- 3. score -----

@dataclasses.dataclass
class EncodedBatch:
    """The used rows of one batch: feature codes (rows, features), losses, and the baseline's losses."""
    codes: np.ndarray
    losses: np.ndarray
    baseline_losses: np.ndarray


def score(batch: pa.RecordBatch, plan: Plan, setup: Setup) -> Tuple[EncodedBatch, RowCounts]:
    """One batch's EncodedBatch and RowCounts."""
    rows, losses, baseline_losses, counts = row_losses.score_batch(batch, plan.label_key, setup.spec, plan.where)
    codes = encoding.encode_batch(batch, setup.encodings, rows)
    return EncodedBatch(codes, losses, baseline_losses), counts


def check_usable(counts: RowCounts, config: SliceConfig, where: str) -> RowCounts:
    """`counts` when some slice can be tested; else SliceInputError saying why (never a pass from no data)."""
    dropped = ", ".join(f"{n} {reason}" for reason, n in sorted(counts.dropped.items())) or "none"
    if counts.used == 0:
        raise SliceInputError(f"no row of {where} has a usable label and prediction ({counts.read} rows read; "
                              f"dropped: {dropped}): there is nothing to analyse")
    min_support = config.min_support_for(counts.used)
    if counts.used < min_support:
        raise SliceInputError(f"only {counts.used} usable rows in {where}, fewer than min_support={min_support}: no "
                              "slice can be tested; give more rows or a smaller min_support (--min-support)")
    return counts


# ----- 4. the search, level by level -----

def totals(counts: RowCounts) -> sliceline.Totals:
    return sliceline.Totals(counts.used, counts.loss_sum)


def first_candidates(setup: Setup) -> Tuple[np.ndarray, int]:
    """(level-1 candidates, 0 pruned)."""
    return sliceline.basic_candidates(setup.n_columns), 0


def evaluate(encoded: EncodedBatch, level_candidates: Tuple[np.ndarray, int], setup: Setup) -> np.ndarray:
    """The candidates' statistics on one batch (sliceline.evaluate_candidates)."""
    candidates, _ = level_candidates
    return sliceline.evaluate_candidates(encoded.codes, encoding.column_offsets(setup.encodings), setup.n_columns,
                                         encoded.losses, encoded.baseline_losses, candidates)


def combine_stats(a: Optional[np.ndarray], b: Optional[np.ndarray]) -> Optional[np.ndarray]:
    """Merge two batches' statistics of the same candidates (None: no batch yet)."""
    if a is None or b is None:
        return b if a is None else a
    return sliceline.combine_stats(a, b)


def advance(state: sliceline.LatticeState, level_candidates, stats: Optional[np.ndarray], counts: RowCounts,
            config: SliceConfig) -> sliceline.LatticeState:
    """The lattice state after a level's merged statistics."""
    candidates, unevaluated = level_candidates
    stats = np.zeros((len(candidates), sliceline.N_STATS)) if stats is None else stats
    return sliceline.advance(state, candidates, stats, totals(counts), config.search_params(counts.used),
                             unevaluated)


def next_candidates(state: sliceline.LatticeState, setup: Setup, counts: RowCounts,
                    config: SliceConfig) -> Tuple[np.ndarray, int]:
    """(the next level's candidates, how many the score bound pruned)."""
    if counts.used == 0 or state.level >= len(setup.encodings):
        return np.zeros((0, state.level + 1), np.int64), 0
    return sliceline.next_candidates(state, encoding.feature_of_columns(setup.encodings), totals(counts),
                                     config.search_params(counts.used))


@dataclasses.dataclass
class SearchResult:
    """What the passes produce: the lattice state (every evaluated slice and the top-k), the setup, the counts."""
    state: sliceline.LatticeState
    setup: Setup
    counts: RowCounts
