"""Executor of SliceErrorAnalyzer: resolve artifacts, run the Beam analysis on one split, record the verdict."""
import json
from typing import Any, Dict, List

import apache_beam as beam
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.components.util import tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfx_dcai.artifacts import BLESSED, NO_BASELINE, NOT_BLESSED, set_blessed
from tfx_dcai.history import entry_count
from tfx_dcai.slice_error_analyzer import analysis_pipeline, inference
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.encoding import encodings_from_statistics
from tfx_dcai.label_consistency.report import REPORT_NAME as LABEL_REPORT_NAME
from tfx_dcai.reports import read_report
from tfx_dcai.slice_error_analyzer.report import REPORT_NAME

PREDICTION_COLUMN = "__prediction__"
BASELINE_COLUMN = "__baseline_prediction__"
TRAIN_SPLIT = "train"
VERDICT_TO_BLESSED = {analysis_pipeline.PASS: BLESSED, analysis_pipeline.BLOCKED: NOT_BLESSED,
                      analysis_pipeline.NO_BASELINE: NO_BASELINE}
_TELEMETRY = ["tfx-dcai", "SliceErrorAnalyzer"]


def _optional(input_dict, key):
    artifacts = input_dict.get(key) or []
    return artifact_utils.get_single_instance(artifacts) if artifacts else None


def _config(props: Dict[str, Any], prediction: str) -> SliceConfig:
    given = {key: props[key] for key in ("metric", "max_level", "min_support", "alpha", "k", "q", "num_bins",
                                         "max_values", "ranking", "max_slices") if props.get(key) is not None}
    lists = {f"{key}": tuple(json.loads(props[f"{key}_features"]) if props.get(f"{key}_features") else ())
             for key in ("include", "exclude")}
    return SliceConfig(label=props["label_key"], prediction=prediction, **given, **lists)


def _feature_statistics(stats_artifact, split: str):
    """(FeatureNameStatistics by name, number of examples) of one split."""
    view = stats_artifact_utils.load_statistics(stats_artifact, split).proto()
    dataset = view.datasets[0]
    return {(f.path.step[0] if f.path.step else f.name): f for f in dataset.features}, dataset.num_examples


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        split = exec_properties.get("split") or "eval"
        if split not in artifact_utils.decode_split_names(examples.split_names):
            raise ValueError(f"split {split!r} is not in the examples (splits: {examples.split_names})")
        schema = io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(
            artifact_utils.get_single_uri(input_dict["schema"])))
        model, baseline = _optional(input_dict, "model"), _optional(input_dict, "baseline_model")
        if baseline is not None and entry_count(baseline.uri) == 0:  # a ReadHistory that found no blessed model
            baseline = None
        prediction = exec_properties.get("prediction_key") or PREDICTION_COLUMN
        config = _config(exec_properties, prediction)
        names = [f.name for f in schema.feature]
        if model is None and prediction not in names:
            raise ValueError(f"prediction_key {prediction!r} is not a feature of the schema")
        features = config.features_from(names)
        categorical_ints = [f.name for f in schema.feature if f.HasField("int_domain") and f.int_domain.is_categorical]

        statistics = _optional(input_dict, "statistics")
        given = {}
        if statistics is not None:
            by_name, _ = _feature_statistics(statistics, split)
            given = encodings_from_statistics(by_name, list(features), config.num_bins, config.max_values)
        train_stats = _optional(input_dict, "train_statistics")
        if train_stats is None and statistics is not None and split != TRAIN_SPLIT and TRAIN_SPLIT in \
                artifact_utils.decode_split_names(statistics.split_names):
            train_stats = statistics  # StatisticsGen over train+eval: one artifact gives both
        train_features, train_examples = _feature_statistics(train_stats, TRAIN_SPLIT) if train_stats else ({}, 0)
        label_artifact = _optional(input_dict, "label_consistency_report")
        label_report = read_report(label_artifact.uri, LABEL_REPORT_NAME) if label_artifact is not None else None

        tfxio = tfxio_utils.get_split_tfxio(
            examples=[examples], split=split, telemetry_descriptors=_TELEMETRY, schema=schema,
            raw_record_column_name=inference.RAW_RECORD_COLUMN if model is not None else None)
        report_artifact = artifact_utils.get_single_instance(output_dict["slice_report"])
        specs_artifact = artifact_utils.get_single_instance(output_dict["slicing_specs"])
        with self._make_beam_pipeline() as pipeline:
            batches = pipeline | "ReadExamples" >> tfxio.BeamSource()
            if model is not None:
                batches = batches | "Predict" >> beam.ParDo(inference.AddPredictions(
                    inference.serving_model_dir(model.uri), PREDICTION_COLUMN))
            if baseline is not None:
                batches = batches | "PredictBaseline" >> beam.ParDo(inference.AddPredictions(
                    inference.serving_model_dir(baseline.uri), BASELINE_COLUMN))
            _ = batches | "AnalyzeSlices" >> analysis_pipeline.AnalyzeSlices(
                config, features, report_artifact.uri, specs_artifact.uri, given_encodings=given,
                baseline_prediction=BASELINE_COLUMN if baseline is not None else None,
                categorical_ints=categorical_ints, train_features=train_features, train_examples=train_examples,
                label_report=label_report)

        report = read_report(report_artifact.uri, REPORT_NAME)
        report_artifact.set_string_custom_property("status", report["status"])
        report_artifact.set_int_custom_property("n_significant", len([s for s in report["slices"]
                                                                      if s["significant"]]))
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        set_blessed(blessing, VERDICT_TO_BLESSED[report["blessing"]["verdict"]])
