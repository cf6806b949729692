"""Executor of SliceErrorAnalyzer: resolve artifacts, run the Beam passes on one split, then write the outputs.

The Beam pipeline computes the search's sufficient statistics (beam_sliceline.SearchSlices) and leaves them in a
scratch file of the executor's temporary directory; after the pipeline the executor runs the analysis
(analysis.analyze) and writes the report, the slicing specs and the blessing once, through tfx_dcai.artifact_io
(any filesystem TFX supports). With a pool, a second pipeline collects each slice's candidate rows and the
executor writes the chosen serialized tf.Examples (plus a `slice` feature) as the `selection` Examples.
"""
import os
from typing import Any, Dict, List

import apache_beam as beam
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.components.util import tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfx_dcai import artifact_io, columns, schema_io
from tfx_dcai.artifacts import BLESSED, NO_BASELINE, NOT_BLESSED, set_blessed
from tfx_dcai.history import entry_count
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.reports import read_report
from tfx_dcai.slice_error_analyzer import analysis, passes, report as report_lib, selection, slicing_specs
from tfx_dcai.slice_error_analyzer.beam_model_scoring import BASELINE_OUTPUT_COLUMN, MODEL_OUTPUT_COLUMN, \
    ScoreWithModel
from tfx_dcai.slice_error_analyzer.beam_selection import PoolCandidates
from tfx_dcai.slice_error_analyzer.beam_sliceline import SearchSlices, read_pickle, write_pickle
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import encodings_from_statistics
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

TRAIN_SPLIT = "train"
SELECTION_SPLIT = "selection"
VERDICT_TO_BLESSED = {analysis.PASS: BLESSED, analysis.BLOCKED: NOT_BLESSED, analysis.NO_BASELINE: NO_BASELINE}
_TELEMETRY = ["tfx-dcai", "SliceErrorAnalyzer"]
SAMPLE_RECORDS = 1000  # records read to find prediction columns that the schema does not declare


def _optional(input_dict, key):
    artifacts = input_dict.get(key) or []
    return artifact_utils.get_single_instance(artifacts) if artifacts else None


def _feature_statistics(stats_artifact, split: str):
    """(FeatureNameStatistics by name, number of examples) of one split."""
    view = stats_artifact_utils.load_statistics(stats_artifact, split).proto()
    dataset = view.datasets[0]
    return {(f.path.step[0] if f.path.step else f.name): f for f in dataset.features}, dataset.num_examples


def _split_files(examples: types.Artifact, split: str) -> List[str]:
    pattern = io_utils.all_files_pattern(artifact_utils.get_split_uri([examples], split))
    return sorted(fileio.glob(pattern))


def with_prediction_columns(schema, examples: types.Artifact, split: str, prediction_key: str):
    """The schema plus the prediction columns (P or P_<label>) the records hold but the schema does not declare.

    A prediction column need not be in the schema (SchemaGen usually runs before predictions exist); its type is
    read from the split's first records.
    """
    from tensorflow_metadata.proto.v0 import schema_pb2

    from tfx_dcai import data_io
    from tfx_dcai.predictions import is_prediction_column

    declared = {f.name for f in schema.feature}
    if prediction_key in declared:
        return schema
    files = _split_files(examples, split)
    if not files:
        raise SliceInputError(f"split {split!r} of {examples.uri} holds no files")
    found = {name: kind for name, kind in data_io.tfrecord_feature_types(files[:1]).items()
             if is_prediction_column(name, prediction_key) and name not in declared}
    if not found:
        return schema  # make_plan names the missing column
    extended = schema_pb2.Schema()
    extended.CopyFrom(schema)
    kinds = {"int": schema_pb2.INT, "float": schema_pb2.FLOAT, "bytes": schema_pb2.BYTES}
    for name, kind in sorted(found.items()):
        extended.feature.add(name=name, type=kinds[kind])
    return extended


class Executor(base_beam_executor.BaseBeamExecutor):
    """Runs SliceErrorAnalyzer (see the module docstring)."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = SliceConfig.from_json(exec_properties.get("config"))
        config.require_label("label_key")
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        split = config.split
        if split not in artifact_utils.decode_split_names(examples.split_names):
            raise SliceInputError(f"split {split!r} is not in the examples {examples.uri} (splits: "
                                  f"{examples.split_names})")
        schema = schema_io.read_schema_artifact(artifact_utils.get_single_uri(input_dict["schema"]))
        model, baseline = _optional(input_dict, "model"), _optional(input_dict, "baseline_model")
        if baseline is not None and entry_count(baseline.uri) == 0:  # a ReadHistory that found no blessed model
            baseline = None
        if model is None:
            schema = with_prediction_columns(schema, examples, split, config.prediction_key)
        names = [f.name for f in schema.feature] + [c for c, m in ((MODEL_OUTPUT_COLUMN, model),
                                                                    (BASELINE_OUTPUT_COLUMN, baseline)) if m]
        kinds = columns.kinds_from_schema(schema)
        where = f"split {split!r} of {examples.uri}"
        plan = passes.make_plan(names, config, where, model_column=MODEL_OUTPUT_COLUMN if model else None,
                                baseline_model_column=BASELINE_OUTPUT_COLUMN if baseline else None,
                                categorical=[n for n, k in kinds.items() if k == columns.CATEGORICAL])

        statistics = _optional(input_dict, "statistics")
        given = {}
        if statistics is not None and split in artifact_utils.decode_split_names(statistics.split_names):
            by_name, _ = _feature_statistics(statistics, split)
            given = encodings_from_statistics(by_name, list(plan.features), config.num_bins, config.max_values)
        train_stats = _optional(input_dict, "train_statistics")
        if train_stats is None and statistics is not None and split != TRAIN_SPLIT and TRAIN_SPLIT in \
                artifact_utils.decode_split_names(statistics.split_names):
            train_stats = statistics  # StatisticsGen over train+eval: one artifact gives both
        train_features, train_examples = _feature_statistics(train_stats, TRAIN_SPLIT) if train_stats else ({}, 0)
        label_artifact = _optional(input_dict, "label_consistency_report")
        label_report = read_report(label_artifact.uri, "label_consistency") if label_artifact is not None else None

        scratch = self._scratch_dir(output_dict)
        try:
            result_path = os.path.join(scratch, "search.pickle")
            tfxio = tfxio_utils.get_split_tfxio(
                examples=[examples], split=split, telemetry_descriptors=_TELEMETRY, schema=schema,
                raw_record_column_name=RAW_RECORD_COLUMN if (model or baseline) else None)
            with self._make_beam_pipeline() as pipeline:
                batches = pipeline | "ReadExamples" >> tfxio.BeamSource()
                if model is not None:
                    batches = batches | "Predict" >> beam.ParDo(ScoreWithModel(model.uri, MODEL_OUTPUT_COLUMN,
                                                                               config.output_key))
                if baseline is not None:
                    batches = batches | "PredictBaseline" >> beam.ParDo(ScoreWithModel(
                        baseline.uri, BASELINE_OUTPUT_COLUMN, config.output_key))
                _ = (batches | "SearchSlices" >> SearchSlices(plan, config, given)
                     | "WriteResult" >> beam.Map(write_pickle, result_path))
            report = analysis.analyze(read_pickle(result_path), config, train_features, train_examples, label_report)
            pool = _optional(input_dict, "pool")
            if pool is not None and output_dict.get("selection"):
                report["selection"] = self._select(pool, schema, report, config.budget, scratch,
                                                   artifact_utils.get_single_instance(output_dict["selection"]))
        finally:
            artifact_io.rmtree(scratch)

        report_artifact = artifact_utils.get_single_instance(output_dict["slice_report"])
        report_lib.write(report, report_artifact.uri)
        slicing_specs.write_specs(report, artifact_utils.get_single_instance(output_dict["slicing_specs"]).uri)
        report_artifact.set_string_custom_property("status", report["status"])
        report_artifact.set_int_custom_property("n_significant", sum(1 for s in report["slices"] if s["significant"]))
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        set_blessed(blessing, VERDICT_TO_BLESSED[report["blessing"]["verdict"]])

    def _scratch_dir(self, output_dict) -> str:
        """A fresh scratch directory in the executor's temporary directory (Beam writes, the driver reads)."""
        try:
            base = self._get_tmp_dir()
        except RuntimeError:  # no temporary directory in the context (e.g. a bare executor in a test)
            base = os.path.join(artifact_utils.get_single_instance(output_dict["slice_report"]).uri, ".scratch")
        scratch = os.path.join(base, "slice_error_analyzer")
        artifact_io.rmtree(scratch)
        artifact_io.makedirs(scratch)
        return scratch

    def _select(self, pool: types.Artifact, schema, report: dict, budget: int, scratch: str,
                output: types.Artifact) -> dict:
        """Choose `budget` rows of every split of `pool`; write them as the `selection` Examples; the summary."""
        encodings, targets = selection.target_slices(report)
        chosen, per_slice, pool_rows = [], [], None
        if targets:
            path = os.path.join(scratch, "candidates.pickle")
            with self._make_beam_pipeline() as pipeline:
                parts = [pipeline | f"ReadPool[{split}]" >> tfxio_utils.get_split_tfxio(
                    [pool], split, _TELEMETRY, schema=schema, raw_record_column_name=RAW_RECORD_COLUMN).BeamSource()
                    for split in artifact_utils.decode_split_names(pool.split_names)]
                _ = (parts | "Pool" >> beam.Flatten()
                     | "PoolCandidates" >> PoolCandidates(encodings, targets, budget, selection.raw_records)
                     | "WriteCandidates" >> beam.Map(write_pickle, path))
            candidates = read_pickle(path)
            if candidates is not None:
                chosen, per_slice = selection.choose(targets, candidates, budget)
            pool_rows = candidates.pool_rows if candidates is not None else 0
        _write_selection(output, [(targets[j].description, record) for j, record in chosen])
        output.set_int_custom_property("rows", len(chosen))
        return selection.summary(budget, per_slice, len(chosen), pool_rows)


def _write_selection(output: types.Artifact, rows) -> None:
    """The chosen serialized tf.Examples with a `slice` bytes feature, gzipped TFRecords in Split-selection."""
    import tensorflow as tf

    output.split_names = artifact_utils.encode_split_names([SELECTION_SPLIT])
    directory = os.path.join(output.uri, f"Split-{SELECTION_SPLIT}")
    fileio.makedirs(directory)
    path = os.path.join(directory, "data_tfrecord-00000-of-00001.gz")
    with tf.io.TFRecordWriter(path, tf.io.TFRecordOptions(compression_type="GZIP")) as writer:
        for description, record in rows:
            example = tf.train.Example.FromString(record)
            example.features.feature[selection.SLICE_COLUMN].bytes_list.value[:] = [description.encode("utf-8")]
            writer.write(example.SerializeToString())
