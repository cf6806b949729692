"""Beam transform of the label-errors loop (no TensorFlow unless a model scores the examples): record batches of
single-labelled examples -> the ranked table of every example and the confident-learning summary."""
import apache_beam as beam

from tfx_dcai.label_consistency.beam_examples import example_rows, label_error_table


def _ranked(rows, config):
    ordered = sorted(rows, key=lambda r: (r["id"] is None, r["id"] or ""))  # the same order on every runner
    return {**label_error_table(ordered, config), "n_rows": len(ordered)}


class FindLabelErrors(beam.PTransform):
    """Record batches -> one dict {"summary", "rows" (label_error_table), "n_rows"}. All examples are held in one
    worker's memory (rows x features), as the out-of-sample model needs them together.

    Args:
      config: a label_consistency.beam_examples.ExamplesConfig.
      source: how errors name the input.
    """

    def __init__(self, config, source: str = "examples"):
        super().__init__()
        self._config = config
        self._source = source

    def expand(self, record_batches):
        return (record_batches
                | "ExampleRows" >> beam.FlatMap(example_rows, self._config, self._source)
                | "AllRows" >> beam.combiners.ToList()
                | "RankLabelErrors" >> beam.Map(_ranked, self._config))
