"""The analysis on record batches held in memory: the steps of passes.py in a loop, no Beam.

This is what `find_slices` runs (a DataFrame is already in memory; Beam would add seconds of start-up per call and
nothing else). `dcai slices` and the component run the same steps in Beam (beam_sliceline.py).
"""
import functools
from typing import Dict, Optional, Sequence

import pyarrow as pa

from tfx_dcai.slice_error_analyzer import passes, sliceline
from tfx_dcai.slice_error_analyzer.config import SliceConfig


def search(batches: Sequence[pa.RecordBatch], plan: passes.Plan, config: SliceConfig,
           given_encodings: Optional[Dict] = None) -> passes.SearchResult:
    """Profile, set up, score and search `batches`.

    Args:
      batches: the data's record batches.
      plan: what to read (passes.make_plan).
      config: the SliceConfig.
      given_encodings: encodings from TFDV statistics by feature (None: computed from the data).

    Returns:
      passes.SearchResult.

    Raises:
      SliceInputError: bad input (see passes and row_losses).
    """
    profile = functools.reduce(passes.Profile.merge, (passes.profile_batch(b, plan) for b in batches),
                               passes.Profile())
    setup = passes.make_setup(profile, plan, config, given_encodings)
    scored = [passes.score(b, plan, setup) for b in batches]
    encoded = [e for e, _ in scored]
    counts = functools.reduce(passes.RowCounts.merge, (c for _, c in scored), passes.RowCounts())
    passes.check_usable(counts, config, plan.where)
    state, candidates = sliceline.empty_state(), passes.first_candidates(setup)
    for level in range(1, config.max_level + 1):
        stats = functools.reduce(passes.combine_stats, (passes.evaluate(e, candidates, setup) for e in encoded), None)
        state = passes.advance(state, candidates, stats, counts, config)
        if level < config.max_level:
            candidates = passes.next_candidates(state, setup, counts, config)
    return passes.SearchResult(state, setup, counts)
