"""The Beam side: profile features, score rows, and run SliceLine level by level over record batches.

Everything per-row happens in DoFns over pyarrow RecordBatches; each level's slice statistics are
per-batch arrays merged by `SliceStatsCombineFn` (sums and a max), so the data never has to fit in memory.
The level loop is unrolled into one pipeline: level L's candidates are computed from level L-1's result and
reach the next pass over the data as a side input. TF-free (predictions come from a column; see inference.py).
"""
import collections
import dataclasses
from typing import Dict, List, Optional, Sequence

import apache_beam as beam
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from tfx_dcai.slice_error_analyzer import sliceline
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import (CATEGORICAL, NUMERIC, FeatureEncoding,
                                                      categorical_encoding, column_offsets, encode_batch,
                                                      feature_of_columns, first_values, kind_of,
                                                      numeric_encoding)
from tfx_dcai.slice_error_analyzer.errors import SliceInputError, example_errors


@dataclasses.dataclass(frozen=True)
class Columns:
    """Which columns hold the label, the prediction, the baseline prediction, and which features to slice."""
    label: str
    prediction: str
    features: tuple
    metric: str
    baseline_prediction: Optional[str] = None
    categorical_ints: tuple = ()


@dataclasses.dataclass
class EncodedBatch:
    codes: np.ndarray
    errors: np.ndarray
    baseline_errors: np.ndarray


@dataclasses.dataclass
class RowCounts:
    """Rows in = used + dropped (label missing, prediction missing)."""
    read: int = 0
    used: int = 0
    dropped_missing_label: int = 0
    dropped_missing_prediction: int = 0
    error_sum: float = 0.0
    error_squares: float = 0.0

    def merge(self, other: "RowCounts") -> "RowCounts":
        return RowCounts(*(a + b for a, b in zip(dataclasses.astuple(self), dataclasses.astuple(other))))


def _column(batch: pa.RecordBatch, name: str) -> pa.Array:
    if name not in batch.schema.names:
        raise SliceInputError(f"column {name!r} is not in the examples (columns: {', '.join(batch.schema.names)})")
    return first_values(batch.column(batch.schema.names.index(name)), name)


def _present(column: pa.Array) -> np.ndarray:
    present = ~np.asarray(column.is_null().to_numpy(zero_copy_only=False))
    if pa.types.is_floating(column.type):
        present &= ~np.isnan(column.fill_null(0).to_numpy(zero_copy_only=False))
    return present


def _values(column: pa.Array) -> np.ndarray:
    if pa.types.is_binary(column.type):
        return np.array([v.decode("utf-8", "replace") for v in column.to_pylist()], dtype=object)
    return column.to_numpy(zero_copy_only=False)


def score_batch(batch: pa.RecordBatch, columns: Columns, encodings: Sequence[FeatureEncoding]):
    """(EncodedBatch, RowCounts) of one batch: rows without label or prediction are dropped and counted."""
    label, prediction = _column(batch, columns.label), _column(batch, columns.prediction)
    has_label, has_prediction = _present(label), _present(prediction)
    keep = has_label & has_prediction
    if columns.baseline_prediction:
        baseline = _column(batch, columns.baseline_prediction)
        has_prediction &= _present(baseline)
        keep &= has_prediction
    rows = pa.array(np.flatnonzero(keep))
    labels = _values(label.take(rows))
    errors = example_errors(labels, _values(prediction.take(rows)), columns.metric, columns.label,
                            columns.prediction)
    baseline_errors = errors if not columns.baseline_prediction else example_errors(
        labels, _values(baseline.take(rows)), columns.metric, columns.label, columns.baseline_prediction)
    codes = encode_batch(batch.take(rows), encodings)
    counts = RowCounts(batch.num_rows, int(keep.sum()), int((~has_label).sum()),
                       int((has_label & ~has_prediction).sum()), float(errors.sum()), float((errors ** 2).sum()))
    return EncodedBatch(codes, errors, baseline_errors), counts


class SliceStatsCombineFn(beam.CombineFn):
    """Merges per-batch slice statistics arrays (rows: candidates); None when there were no batches."""

    def create_accumulator(self):
        return None

    def add_input(self, accumulator, stats):
        return stats if accumulator is None else sliceline.combine_stats(accumulator, stats)

    def merge_accumulators(self, accumulators):
        merged = None
        for accumulator in accumulators:
            if accumulator is not None:
                merged = accumulator if merged is None else sliceline.combine_stats(merged, accumulator)
        return merged

    def extract_output(self, accumulator):
        return accumulator


class RowCountsCombineFn(beam.CombineFn):
    def create_accumulator(self):
        return RowCounts()

    def add_input(self, accumulator, counts):
        return accumulator.merge(counts)

    def merge_accumulators(self, accumulators):
        merged = RowCounts()
        for accumulator in accumulators:
            merged = merged.merge(accumulator)
        return merged

    def extract_output(self, accumulator):
        return accumulator


class CounterCombineFn(beam.CombineFn):
    """Exact value counts of a categorical feature."""

    def create_accumulator(self):
        return collections.Counter()

    def add_input(self, accumulator, counts):
        accumulator.update(counts)
        return accumulator

    def merge_accumulators(self, accumulators):
        merged = collections.Counter()
        for accumulator in accumulators:
            merged.update(accumulator)
        return merged

    def extract_output(self, accumulator):
        return dict(accumulator)


def _feature_values(batch: pa.RecordBatch, columns: Columns):
    """(feature, ("numeric", values) | ("categorical", counts)) per feature of one batch."""
    for name in columns.features:
        column = _column(batch, name)
        kind = kind_of(column.type, name in columns.categorical_ints)
        present = column.filter(pa.array(_present(column)))
        if kind == NUMERIC:
            yield beam.pvalue.TaggedOutput(NUMERIC, (name, present.to_numpy(zero_copy_only=False).astype(float)))
        else:
            counted = pc.value_counts(present.cast(pa.string()) if not pa.types.is_binary(present.type)
                                      else pa.array(_values(present).tolist(), pa.string()))
            counts = dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist()))
            yield beam.pvalue.TaggedOutput(CATEGORICAL, (name, counts))


def _build_encodings(_, quantiles: Dict, counts: Dict, given: Dict, columns: Columns, max_values: int):
    encodings = []
    for name in columns.features:
        if given.get(name) is not None:
            encodings.append(given[name])
        elif name in counts:
            encodings.append(categorical_encoding(name, counts[name], max_values))
        else:  # numeric, or a feature missing everywhere (one "missing" code)
            encodings.append(numeric_encoding(name, quantiles.get(name, [])))
    return encodings


@beam.ptransform_fn
def ProfileFeatures(batches, columns: Columns, num_bins: int, max_values: int,
                    given: Optional[Dict[str, FeatureEncoding]] = None):
    """Singleton list of FeatureEncodings: given ones (from TFDV statistics) or computed here in Beam."""
    given = given or {}
    needed = dataclasses.replace(columns, features=tuple(f for f in columns.features if given.get(f) is None))
    values = batches | "FeatureValues" >> beam.FlatMap(_feature_values, needed).with_outputs(NUMERIC, CATEGORICAL)
    quantiles = values[NUMERIC] | "Quantiles" >> beam.ApproximateQuantiles.PerKey(num_bins + 1, input_batched=True)
    counts = values[CATEGORICAL] | "Counts" >> beam.CombinePerKey(CounterCombineFn())
    return (batches.pipeline | "EncodingSeed" >> beam.Create([None])
            | "BuildEncodings" >> beam.Map(_build_encodings, beam.pvalue.AsDict(quantiles),
                                           beam.pvalue.AsDict(counts), given, columns, max_values))


def _evaluate(encoded: EncodedBatch, level_candidates, encodings: List[FeatureEncoding]):
    candidates, _ = level_candidates
    n_columns = int(sum(e.domain for e in encodings))
    yield sliceline.evaluate_candidates(encoded.codes, column_offsets(encodings), n_columns, encoded.errors,
                                        encoded.baseline_errors, candidates)


def _totals(counts: RowCounts) -> sliceline.Totals:
    return sliceline.Totals(counts.used, counts.error_sum)


def _first_candidates(encodings):
    return sliceline.basic_candidates(int(sum(e.domain for e in encodings))), 0


def _advance(state, level_candidates, stats, counts: RowCounts, config: SliceConfig):
    candidates, unevaluated = level_candidates
    stats = np.zeros((len(candidates), sliceline.N_STATS)) if stats is None else stats
    return sliceline.advance(state, candidates, stats, _totals(counts), config.search_params(counts.used),
                             unevaluated)


def _next(state, encodings, counts: RowCounts, config: SliceConfig):
    """(candidates of the next level, how many the score bound pruned)."""
    if counts.used == 0 or state.level >= len(encodings):
        return np.zeros((0, state.level + 1), np.int64), 0
    return sliceline.next_candidates(state, feature_of_columns(encodings), _totals(counts),
                                     config.search_params(counts.used))


@dataclasses.dataclass
class SearchOutputs:
    state: beam.PCollection
    encodings: beam.PCollection
    counts: beam.PCollection


def search_slices(batches, columns: Columns, config: SliceConfig,
                  given_encodings: Optional[Dict] = None) -> SearchOutputs:
    """Wire the whole search into the pipeline of `batches`; every output is a singleton PCollection."""
    encodings = batches | "Profile" >> ProfileFeatures(columns, config.num_bins, config.max_values, given_encodings)
    encodings_side = beam.pvalue.AsSingleton(encodings)
    scored = batches | "Score" >> beam.Map(score_batch, columns, encodings_side)
    encoded = scored | "Encoded" >> beam.Map(lambda pair: pair[0])
    counts = scored | "RowCounts" >> beam.Map(lambda pair: pair[1]) | "SumRows" >> beam.CombineGlobally(
        RowCountsCombineFn())
    counts_side = beam.pvalue.AsSingleton(counts)
    state = batches.pipeline | "EmptyState" >> beam.Create([sliceline.empty_state()])
    candidates = encodings | "Level1Candidates" >> beam.Map(_first_candidates)
    for level in range(1, config.max_level + 1):
        stats = (encoded | f"Level{level}Evaluate" >> beam.FlatMap(_evaluate, beam.pvalue.AsSingleton(candidates),
                                                                  encodings_side)
                 | f"Level{level}Combine" >> beam.CombineGlobally(SliceStatsCombineFn()))
        state = state | f"Level{level}Advance" >> beam.Map(_advance, beam.pvalue.AsSingleton(candidates),
                                                            beam.pvalue.AsSingleton(stats), counts_side, config)
        if level < config.max_level:
            candidates = state | f"Level{level + 1}Candidates" >> beam.Map(_next, encodings_side, counts_side,
                                                                           config)
    return SearchOutputs(state, encodings, counts)
