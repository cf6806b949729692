"""Beam transform of LabelConsistencyGen (Beam + pyarrow, no TensorFlow): record batches in, report and consensus
rows out. The component's executor and `dcai agreement` both run `ComputeLabelConsistency`; the statistics are the
plain functions of bucket_statistics.py (which the in-memory API runs too).
"""
import apache_beam as beam
from apache_beam.transforms.combiners import SingleInputTupleCombineFn

from tfx_dcai.hashing import stable_hash
from tfx_dcai.label_consistency import bucket_statistics as stats
from tfx_dcai.label_consistency.buckets import assemble_bucket, rows_by_bucket
from tfx_dcai.label_consistency.config import LabelConsistencyConfig


SCRATCH_REPORT = "report.json"


def write_json_file(value, path):
    """Inside Beam: one JSON scratch file (any Beam filesystem), read by the driver after the pipeline."""
    import json

    from apache_beam.io.filesystems import FileSystems

    from tfx_dcai.artifact_io import json_safe

    with FileSystems.create(path) as f:
        f.write(json.dumps(json_safe(value)).encode("utf-8"))


class BucketCombineFn(beam.CombineFn):
    """A Beam CombineFn around one of bucket_statistics' summaries (inputs: Buckets with their consensus)."""

    def __init__(self, summary):
        super().__init__()
        self._summary = summary

    def create_accumulator(self):
        return self._summary.create()

    def add_input(self, acc, bucket):
        return self._summary.add_bucket(acc, bucket)

    def merge_accumulators(self, accumulators):
        accumulators = iter(accumulators)
        merged = next(accumulators)
        for acc in accumulators:
            merged = self._summary.merge(merged, acc)
        return merged

    def extract_output(self, acc):
        return self._summary.extract(acc)


class ComputeLabelConsistency(beam.PTransform):
    """Record batches of annotation rows -> {"report": one report dict, "consensus": Buckets with their consensus
    rows (every item is in exactly one Bucket)}.

    Args:
      config: the LabelConsistencyConfig (n_buckets None means 1; the executor and the CLI size it from the input
        bytes with buckets.bucket_count).
      previous_report: the validated report of an earlier run, or None.
      source: how errors name the input.
      consensus_location: where the report says the full consensus is.
      examples_diagnostics: optional PCollection with the one dict of DiagnoseExamples.
    """

    def __init__(self, config: LabelConsistencyConfig, previous_report: dict = None, source: str = "annotations",
                 consensus_location: str = "", examples_diagnostics=None):
        super().__init__()
        from tfx_dcai import configs

        self._diagnostics = examples_diagnostics
        self._config = config if config.n_buckets else configs.replace(config, n_buckets=1)
        self._previous = previous_report
        self._source = source
        self._consensus_location = consensus_location

    def expand(self, record_batches):
        config = self._config
        buckets = (record_batches
                   | "RowsByBucket" >> beam.FlatMap(rows_by_bucket, config, self._source)
                   | "GroupByBucket" >> beam.GroupByKey()
                   | "Assemble" >> beam.Map(assemble_bucket, config))
        model_side = None
        if config.consensus == "dawid_skene":
            model = (buckets
                     | "LabelledItems" >> beam.FlatMap(stats.labelled_items)
                     | "BoundedSample" >> beam.combiners.Top.Of(config.max_dawid_skene_items,
                                                                key=lambda it: stable_hash(it["item"]))
                     | "FitDawidSkene" >> beam.Map(stats.fit_model, config))
            model_side = beam.pvalue.AsSingleton(model)
        consensus = buckets | "Consensus" >> beam.Map(stats.with_consensus, model_side, config)
        summaries = consensus | "Summarize" >> beam.CombineGlobally(SingleInputTupleCombineFn(
            *(BucketCombineFn(summary) for summary in stats.summaries(config))))
        report = summaries | "Report" >> beam.Map(
            stats.report_from, config, model_side, self._previous, self._consensus_location,
            beam.pvalue.AsSingleton(self._diagnostics) if self._diagnostics is not None else None)
        return {"report": report, "consensus": consensus}
