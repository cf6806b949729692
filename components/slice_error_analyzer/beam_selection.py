"""Beam: the targeted-data pass over an unlabelled pool (selection.py): per slice, its pool row count and its
`budget` rows with the smallest content hashes, merged across batches; one selection.Candidates out."""
import apache_beam as beam

from tfx_dcai.slice_error_analyzer import selection


class _MergeCandidates(beam.CombineFn):
    def __init__(self, budget: int):
        self._budget = budget

    def create_accumulator(self):
        return None

    def add_input(self, accumulator, candidates):
        return candidates if accumulator is None else accumulator.merge(candidates, self._budget)

    def merge_accumulators(self, accumulators):
        merged = None
        for accumulator in accumulators:
            if accumulator is not None:
                merged = accumulator if merged is None else merged.merge(accumulator, self._budget)
        return merged

    def extract_output(self, accumulator):
        return accumulator


@beam.ptransform_fn
def PoolCandidates(batches, encodings, targets, budget: int, payload):  # noqa: N802
    """Pool record batches in; a singleton PCollection of selection.Candidates (None for an empty pool) out.

    Args:
      batches: PCollection of the pool's record batches.
      encodings: the analysed data's FeatureEncodings (from the report).
      targets: the selection.TargetSlices.
      budget: rows to choose.
      payload: payload(batch, row_indices) -> the rows to keep (dicts, or serialized records).
    """
    return (batches | "Candidates" >> beam.Map(selection.batch_candidates, encodings, targets, budget, payload)
            | "MergeCandidates" >> beam.CombineGlobally(_MergeCandidates(budget)))
