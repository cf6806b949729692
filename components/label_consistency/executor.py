"""LabelConsistencyGen's Beam executor: artifacts in, artifacts out; the statistics live in plain modules."""
import dataclasses
import json
import os

import apache_beam as beam
from tfx.components.util import examples_utils, tfxio_utils
from tfx.proto import example_gen_pb2
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfx_dcai import data_io
from tfx_dcai.artifacts import BLESSED, NOT_BLESSED, set_blessed
from tfx_dcai.gc_pause import collector_paused
from tfx_dcai.label_consistency import example_io, report as report_io
from tfx_dcai.label_consistency.beam_examples import DiagnoseExamples, examples_config
from tfx_dcai.label_consistency.beam_transforms import ComputeLabelConsistency
from tfx_dcai.label_consistency.buckets import bucket_count
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.summary import Thresholds
from tfx_dcai.label_consistency.tfrecord_files import write_gzipped_tfrecords

_TELEMETRY = ["tfx-dcai", "LabelConsistencyGen"]
READ_BATCH_ROWS = 4096  # fixed record-batch size: the same batches on every run (Beam's default adapts)


def config_from(exec_properties: dict) -> LabelConsistencyConfig:
    domain = exec_properties.get("label_domain")
    return LabelConsistencyConfig(
        item_column=exec_properties["item_column"], annotator_column=exec_properties["annotator_column"],
        label_column=exec_properties["label_column"], level=exec_properties["level"],
        kind=exec_properties["kind"], consensus=exec_properties["consensus"],
        weights=exec_properties.get("weights") or None,
        thresholds=Thresholds(exec_properties["min_alpha"], exec_properties["min_class_agreement"],
                              exec_properties["min_class_kappa"]),
        label_domain=tuple(json.loads(domain)) if domain else None,
        instructions_version=exec_properties["instructions_version"],
        n_bootstrap=exec_properties["n_bootstrap"], min_confidence=exec_properties["min_confidence"],
        text_normalisation=tuple(json.loads(exec_properties.get("text_normalisation") or '["whitespace"]')),
        match_iou=exec_properties.get("match_iou") or 0.5)


def previous_report(input_dict: dict, instructions_version: str):
    """The report of an earlier run made under other instructions, if one was passed in."""
    from tfx_dcai.history import earlier_reports
    for _, previous in reversed(earlier_reports(input_dict.get("previous_report") or [], report_io.REPORT_NAME)):
        if previous.get("instructions_version") != instructions_version:
            return previous
    return None


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict, output_dict, exec_properties):
        annotations = artifact_utils.get_single_instance(input_dict["annotations"])
        files = [os.path.join(artifact_utils.get_split_uri([annotations], split), "*")
                 for split in artifact_utils.decode_split_names(annotations.split_names)]
        config = dataclasses.replace(config_from(exec_properties), n_buckets=bucket_count(data_io.total_bytes(files)))
        report_artifact = artifact_utils.get_single_instance(output_dict["report"])
        consensus_artifact = artifact_utils.get_single_instance(output_dict["consensus_examples"])
        splits = json.loads(exec_properties["consensus_splits"])
        consensus_artifact.split_names = artifact_utils.encode_split_names(sorted(splits))
        split_uris = {split: artifact_utils.get_split_uri([consensus_artifact], split) for split in splits}
        consensus_artifact.set_string_custom_property("file_format", "tfrecords_gzip")
        examples_utils.set_payload_format(consensus_artifact, example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE)
        previous = previous_report(input_dict, config.instructions_version)
        examples = input_dict.get("examples") or []
        with self._make_beam_pipeline() as p:
            diagnostics = None
            if examples:
                single = artifact_utils.get_single_instance(examples)
                diagnostics = (_read_all_splits(p, single, "Examples")
                               | "DiagnoseExamples" >> DiagnoseExamples(
                                   examples_config(exec_properties, _read_schema(input_dict)),
                                   source=f"examples ({single.uri})"))
            result = (_read_all_splits(p, annotations, "Annotations")
                      | "LabelConsistency" >> ComputeLabelConsistency(
                          config, previous, source=f"annotations ({annotations.uri})",
                          consensus_location="the consensus_examples artifact", examples_diagnostics=diagnostics))
            report_uri = report_artifact.uri
            _ = result["report"] | "WriteReport" >> beam.Map(lambda r: report_io.write(report_uri, r))
            _ = result["consensus"] | "WriteConsensus" >> beam.Map(_write_bucket, config, splits, split_uris)
        _give_empty_splits_a_file(split_uris)
        report = report_io.read_report(report_artifact.uri)
        blessed = report["status"] == "CONSISTENT"
        set_blessed(artifact_utils.get_single_instance(output_dict["blessing"]), BLESSED if blessed else NOT_BLESSED)
        report_artifact.set_string_custom_property("status", report["status"])
        report_artifact.set_string_custom_property("instructions_version", config.instructions_version)
        report_artifact.set_float_custom_property("krippendorff_alpha", report["krippendorff_alpha"]["value"] or 0.0)


def _read_schema(input_dict: dict):
    """The Schema proto of the optional `schema` input, or None."""
    artifacts = input_dict.get("schema") or []
    if not artifacts:
        return None
    uri = artifact_utils.get_single_uri(artifacts)
    return io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(uri))


def _read_all_splits(p, artifact, name):
    """Record batches of every split of an Examples artifact, read with TFXIO."""
    splits = artifact_utils.decode_split_names(artifact.split_names)
    return [p | f"Read{name}[{split}]" >> tfxio_utils.get_split_tfxio(
        examples=[artifact], split=split, telemetry_descriptors=_TELEMETRY).BeamSource(READ_BATCH_ROWS)
        for split in splits] | f"Flatten{name}" >> beam.Flatten()


@collector_paused()
def _write_bucket(bucket, config, splits, split_uris):
    """The labelled consensus examples of one Bucket as gzipped tf.Examples, each in its item's split (by item
    hash); the other items are in the report. One file per (split, bucket), named after the bucket: a retried
    bucket rewrites the same file."""
    consensus = bucket.consensus
    positions = [k for k, label in enumerate(consensus.labels) if label is not None and consensus.items[k] is not None]
    examples = example_io.encode_columns(bucket.consensus_columns(positions, config), len(positions))
    by_split = {}
    for split, example in zip(example_io.splits_for([consensus.items[k] for k in positions], splits), examples):
        by_split.setdefault(split, []).append(example)
    name = f"consensus-{bucket.index:05d}-of-{config.n_buckets:05d}.gz"
    for split, records in by_split.items():
        write_gzipped_tfrecords(os.path.join(split_uris[split], name), records)


def _give_empty_splits_a_file(split_uris: dict):
    """An empty TFRecord file in each split that got no item, so that readers of the split find one."""
    for uri in split_uris.values():
        if not fileio.glob(os.path.join(uri, "*")):
            write_gzipped_tfrecords(os.path.join(uri, "consensus-empty.gz"), [])
