"""LabelConsistencyGen's Beam executor: artifacts in, artifacts out; the statistics live in plain modules.

I/O: the Beam pipeline reads the input artifacts with TFXIO and writes only scratch files (the report's JSON and
the consensus TFRecords, through Beam's FileSystems) into the executor's tmp dir; after the pipeline the executor
writes the report once and moves the consensus files into the output artifact through tfx_dcai.artifact_io, so
every output URI TFX supports works (gs://, ram://, local), and the scratch dir is removed.
"""
import os

import apache_beam as beam
from tfx.components.util import examples_utils, tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils

from tfx_dcai import artifact_io, configs, data_io, schema_io
from tfx_dcai.artifacts import BLESSED, NOT_BLESSED, set_blessed
from tfx_dcai.label_consistency import report as report_io
from tfx_dcai.label_consistency.beam_agreement import SCRATCH_REPORT, ComputeLabelConsistency, write_json_file
from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples, examples_config
from tfx_dcai.label_consistency.buckets import bucket_count, splits_for
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.report import check_previous_report
from tfx_dcai.tf_records import encode_columns, write_tfrecords

_TELEMETRY = ["tfx-dcai", "LabelConsistencyGen"]
READ_BATCH_ROWS = 4096  # fixed record-batch size: the same batches on every run (Beam's default adapts)
EMPTY_SPLIT_FILE = "consensus-empty.gz"


def previous_report(input_dict: dict, instructions_version: str):
    """The newest report of an earlier run made under other instructions, if one was passed in (validated): plain
    report artifacts or a ReadHistory ledger (tfx_dcai.history)."""
    from tfx_dcai.history import earlier_reports
    for label, previous in reversed(earlier_reports(input_dict.get("previous_report") or [], report_io.REPORT_NAME)):
        previous = check_previous_report(previous, f"previous_report ({label})")
        if previous.get("instructions_version") != instructions_version:
            return previous
    return None


class Executor(base_beam_executor.BaseBeamExecutor):
    """Runs ComputeLabelConsistency (and DiagnoseExamples) over the input artifacts; writes the three outputs."""

    def Do(self, input_dict, output_dict, exec_properties):
        """Compute the report, the consensus examples and the blessing.

        Args:
          input_dict: `annotations`, and optionally `previous_report`, `examples`, `schema`, `model`.
          output_dict: `report`, `consensus_examples`, `blessing`.
          exec_properties: `config`, a LabelConsistencyConfig as JSON.

        Raises:
          InputError: bad input (a missing column, unreadable labels, nothing to compare, ...).
        """
        config = LabelConsistencyConfig.from_json(exec_properties["config"])
        annotations = artifact_utils.get_single_instance(input_dict["annotations"])
        if config.n_buckets is None:
            files = [os.path.join(artifact_utils.get_split_uri([annotations], split), "*")
                     for split in artifact_utils.decode_split_names(annotations.split_names)]
            config = configs.replace(config, n_buckets=bucket_count(data_io.total_bytes(files)))
        report_artifact = artifact_utils.get_single_instance(output_dict["report"])
        consensus_artifact = artifact_utils.get_single_instance(output_dict["consensus_examples"])
        splits = dict(config.consensus_splits)
        consensus_artifact.split_names = artifact_utils.encode_split_names(sorted(splits))
        consensus_artifact.set_string_custom_property("file_format", "tfrecords_gzip")
        examples_utils.set_payload_format(consensus_artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
        previous = previous_report(input_dict, config.instructions_version)
        scratch = os.path.join(self._get_tmp_dir(), "label_consistency")
        scratch_splits = {split: os.path.join(scratch, f"Split-{split}") for split in splits}
        try:
            self._run_pipeline(input_dict, annotations, config, previous, scratch, scratch_splits)
            report = artifact_io.read_json(os.path.join(scratch, SCRATCH_REPORT))
            report_io.write(report_artifact.uri, report)
            for split, directory in scratch_splits.items():
                _move_files(directory, artifact_utils.get_split_uri([consensus_artifact], split))
        finally:
            artifact_io.rmtree(scratch)
        blessed = report["status"] == "CONSISTENT"
        set_blessed(artifact_utils.get_single_instance(output_dict["blessing"]), BLESSED if blessed else NOT_BLESSED)
        report_artifact.set_string_custom_property("status", report["status"])
        report_artifact.set_string_custom_property("instructions_version", config.instructions_version)
        report_artifact.set_float_custom_property("krippendorff_alpha", report["krippendorff_alpha"]["value"] or 0.0)

    def _run_pipeline(self, input_dict, annotations, config, previous, scratch, scratch_splits):
        examples = input_dict.get("examples") or []
        model_dir = None
        if input_dict.get("model"):
            model_dir = artifact_utils.get_single_uri(input_dict["model"])
        with self._make_beam_pipeline() as p:
            diagnostics = None
            if examples:
                single = artifact_utils.get_single_instance(examples)
                diagnostics = (_read_all_splits(p, single, "Examples", raw_records=model_dir is not None)
                               | "DiagnoseExamples" >> DiagnoseExamples(
                                   examples_config(config, _read_schema(input_dict), model_dir),
                                   source=f"examples ({single.uri})"))
            result = (_read_all_splits(p, annotations, "Annotations")
                      | "LabelConsistency" >> ComputeLabelConsistency(
                          config, previous, source=f"annotations ({annotations.uri})",
                          consensus_location="the consensus_examples artifact", examples_diagnostics=diagnostics))
            _ = result["report"] | "WriteReport" >> beam.Map(write_json_file, os.path.join(scratch, SCRATCH_REPORT))
            _ = result["consensus"] | "WriteConsensus" >> beam.Map(_write_bucket, config, scratch_splits)


def _read_schema(input_dict: dict):
    """The Schema proto of the optional `schema` input, or None."""
    artifacts = input_dict.get("schema") or []
    return schema_io.read_schema_artifact(artifacts[0].uri) if artifacts else None


def _read_all_splits(p, artifact, name, raw_records: bool = False):
    """Record batches of every split of an Examples artifact, read with TFXIO (with the serialized records in
    column model_scoring.RAW_RECORD_COLUMN when `raw_records`)."""
    from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

    splits = artifact_utils.decode_split_names(artifact.split_names)
    return [p | f"Read{name}[{split}]" >> tfxio_utils.get_split_tfxio(
        examples=[artifact], split=split, telemetry_descriptors=_TELEMETRY,
        raw_record_column_name=RAW_RECORD_COLUMN if raw_records else None).BeamSource(READ_BATCH_ROWS)
        for split in splits] | f"Flatten{name}" >> beam.Flatten()


def _write_bucket(bucket, config, split_dirs):
    """Inside Beam: the labelled consensus examples of one Bucket as gzipped tf.Examples, each in its item's split
    (by item hash); the other items are in the report. One file per (split, bucket), named after the bucket: a
    retried bucket rewrites the same file."""
    consensus = bucket.consensus
    positions = [k for k, label in enumerate(consensus.labels) if label is not None and consensus.items[k] is not None]
    examples = encode_columns(bucket.consensus_columns(positions, config), len(positions))
    by_split = {}
    for split, example in zip(splits_for([consensus.items[k] for k in positions], config.consensus_splits), examples):
        by_split.setdefault(split, []).append(example)
    name = f"consensus-{bucket.index:05d}-of-{config.n_buckets:05d}.gz"
    for split, records in by_split.items():
        write_tfrecords(os.path.join(split_dirs[split], name), records)


def _move_files(scratch_dir: str, output_dir: str) -> None:
    """Copy the files of a scratch dir into an output dir (any filesystem); an empty TFRecord file when there are
    none, so that readers of the split find one."""
    artifact_io.makedirs(output_dir)
    names = artifact_io.list_files(scratch_dir)
    for name in names:
        artifact_io.write_bytes(os.path.join(output_dir, name), artifact_io.read_bytes(os.path.join(scratch_dir, name)))
    if not names:
        import gzip

        artifact_io.write_bytes(os.path.join(output_dir, EMPTY_SPLIT_FILE), gzip.compress(b""))
