"""Beam: the passes of passes.py over a PCollection of record batches, ending in one passes.SearchResult.

Per-row work happens in Maps over pyarrow RecordBatches; each merge is a CombineFn (profiles, row counts, each
level's slice statistics: sums and a max), so the data never has to fit in one worker's memory. SliceLine's level
loop is unrolled into the one pipeline: level L's candidates are computed from level L-1's merged statistics and
reach the next pass over the encoded batches as a side input. TensorFlow-free (a model's predictions are added
before, by beam_model_scoring.ScoreWithModel).
"""
import pickle
from typing import Dict, Optional

import apache_beam as beam

from tfx_dcai.slice_error_analyzer import passes, sliceline
from tfx_dcai.slice_error_analyzer.config import SliceConfig


class _MergeCombineFn(beam.CombineFn):
    """Merges values with `merge(a, b)`; `empty()` without input."""

    def __init__(self, merge, empty):
        self._merge, self._empty = merge, empty

    def create_accumulator(self):
        return None

    def add_input(self, accumulator, value):
        return value if accumulator is None else self._merge(accumulator, value)

    def merge_accumulators(self, accumulators):
        merged = None
        for accumulator in accumulators:
            if accumulator is not None:
                merged = accumulator if merged is None else self._merge(merged, accumulator)
        return merged

    def extract_output(self, accumulator):
        return self._empty() if accumulator is None else accumulator


def _merge_profiles(a, b):
    return a.merge(b)


def _empty_stats():
    return None


@beam.ptransform_fn
def SearchSlices(batches, plan: passes.Plan, config: SliceConfig, given_encodings: Optional[Dict] = None):  # noqa: N802
    """Record batches in; a singleton PCollection of passes.SearchResult out.

    Args:
      batches: PCollection of pyarrow RecordBatches (with a model's output column when plan.source is MODEL).
      plan: what to read (passes.make_plan).
      config: the SliceConfig.
      given_encodings: encodings from TFDV statistics by feature (None: computed here).
    """
    side = beam.pvalue.AsSingleton
    profile = (batches | "Profile" >> beam.Map(passes.profile_batch, plan)
               | "MergeProfiles" >> beam.CombineGlobally(_MergeCombineFn(_merge_profiles, passes.Profile)))
    setup = profile | "Setup" >> beam.Map(passes.make_setup, plan, config, given_encodings)
    scored = batches | "Score" >> beam.Map(passes.score, plan, side(setup))
    encoded = scored | "Encoded" >> beam.Map(lambda pair: pair[0])
    counts = (scored | "RowCounts" >> beam.Map(lambda pair: pair[1])
              | "SumRows" >> beam.CombineGlobally(_MergeCombineFn(_merge_profiles, passes.RowCounts))
              | "CheckUsable" >> beam.Map(passes.check_usable, config, plan.where))
    counts_side = side(counts)
    state = batches.pipeline | "EmptyState" >> beam.Create([sliceline.empty_state()])
    candidates = setup | "Level1Candidates" >> beam.Map(passes.first_candidates)
    for level in range(1, config.max_level + 1):
        stats = (encoded | f"Level{level}Evaluate" >> beam.Map(passes.evaluate, side(candidates), side(setup))
                 | f"Level{level}Combine" >> beam.CombineGlobally(_MergeCombineFn(passes.combine_stats, _empty_stats)))
        state = state | f"Level{level}Advance" >> beam.Map(passes.advance, side(candidates), side(stats),
                                                            counts_side, config)
        if level < config.max_level:
            candidates = state | f"Level{level + 1}Candidates" >> beam.Map(passes.next_candidates, side(setup),
                                                                           counts_side, config)
    return state | "Result" >> beam.Map(lambda s, st, c: passes.SearchResult(s, st, c), side(setup), counts_side)


def write_pickle(value, path: str) -> str:
    """Inside Beam: write `value` pickled to `path` (any Beam filesystem), for the driver to read after the run."""
    from apache_beam.io.filesystems import FileSystems

    with FileSystems.create(path) as f:
        f.write(pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL))
    return path


def read_pickle(path: str):
    """In the driver: the value write_pickle wrote (through tfx_dcai.artifact_io)."""
    from tfx_dcai import artifact_io

    return pickle.loads(artifact_io.read_bytes(path))  # noqa: S301 -- our own scratch file of this run
