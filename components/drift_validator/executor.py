"""DriftValidator executor: resolves artifacts and splits, runs validation.validate, writes the outputs."""
import datetime
import os

from absl import logging
from typing import Any, Dict, List, Optional

import apache_beam as beam
from tfx import types
from tfx.components.statistics_gen import stats_artifact_utils
from tfx.components.util import examples_utils, tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.dsl.io import fileio
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils
from tfx.utils import io_utils, writer_utils

from tfx_dcai import artifacts as dcai_artifacts
from tfx_dcai.drift_validator import report as drift_report
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.drift_validator.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.drift_validator.tabular import serialized_examples_batch
from tfx_dcai.drift_validator.validation import DriftInputError, DriftInputs, validate

_TELEMETRY = ["tfx-dcai", "DriftValidator"]


def _single(input_dict, key) -> Optional[types.Artifact]:
    artifacts = input_dict.get(key) or []
    return artifacts[0] if artifacts else None


def pick_split(artifact: types.Artifact, requested: Optional[str], preferred: str, role: str) -> str:
    splits = artifact_utils.decode_split_names(artifact.split_names)
    if requested:
        if requested not in splits:
            raise DriftInputError(f"{role}: split {requested!r} not in {splits} ({artifact.uri})")
        return requested
    if len(splits) == 1:
        return splits[0]
    if preferred in splits:
        return preferred
    raise DriftInputError(f"{role}: artifact has splits {splits}; name the one to use ({artifact.uri})")


def _statistics(artifact: types.Artifact, split: str):
    stats = stats_artifact_utils.load_statistics(artifact, split).proto()
    if not stats.datasets:
        raise DriftInputError(f"statistics split {split!r} of {artifact.uri} holds no dataset")
    return stats.datasets[0]


def _row_reader(examples: types.Artifact, split: str, raw_records: bool):
    """pipeline -> PCollection[RecordBatch]. tf.Examples stay serialized (one RAW_RECORD_COLUMN): only the bounded
    sample is decoded, after sampling; other payload formats are decoded as they are read."""
    factory = tfxio_utils.get_tfxio_factory_from_artifact(
        [examples], _TELEMETRY, raw_record_column_name=RAW_RECORD_COLUMN if raw_records else None)
    tfxio = factory(io_utils.all_files_pattern(artifact_utils.get_split_uri([examples], split)))
    label = f"Read[{split}@{examples.id or examples.uri}{',raw' if raw_records else ''}]"
    if examples_utils.get_payload_format(examples) != example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE:
        return lambda pipeline: pipeline | label >> tfxio.BeamSource()
    return lambda pipeline: (pipeline | label >> tfxio.RawRecordBeamSource()
                             | f"Batch{label}" >> beam.BatchElements(min_batch_size=1000, max_batch_size=10_000)
                             | f"AsRecordBatch{label}" >> beam.Map(serialized_examples_batch, RAW_RECORD_COLUMN))


def _previous_reports(artifacts: List[types.Artifact]) -> List[dict]:
    """Earlier drift reports, oldest first: plain DriftReport artifacts or a ReadHistory ledger (tfx_dcai.history)."""
    from tfx_dcai.history import earlier_reports
    reports = []
    for label, report in earlier_reports(artifacts, "drift"):
        report.setdefault("context", {})["run"] = label
        reports.append(report)
    return reports


class Executor(base_beam_executor.BaseBeamExecutor):

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = DriftConfig.from_json(exec_properties.get("config"))
        inputs, split = self._inputs(input_dict, exec_properties, config)
        report_artifact = artifact_utils.get_single_instance(output_dict["drift_report"])
        scratch = os.path.join(report_artifact.uri, ".samples")
        fileio.makedirs(scratch)
        try:
            result = validate(inputs, config, self._make_beam_pipeline, scratch)
        finally:
            fileio.rmtree(scratch)
        drift_report.write(report_artifact.uri, result.report)
        report_artifact.set_string_custom_property("status", result.report["status"])
        anomalies = artifact_utils.get_single_instance(output_dict["anomalies"])
        anomalies.split_names = artifact_utils.encode_split_names([split])
        writer_utils.write_anomalies(os.path.join(anomalies.uri, f"Split-{split}", "SchemaDiff.pb"),
                                     result.anomalies)
        verdict = (dcai_artifacts.NO_BASELINE if result.report["status"] == drift_report.NO_BASELINE else
                   dcai_artifacts.BLESSED if result.report["blessed"] else dcai_artifacts.NOT_BLESSED)
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        dcai_artifacts.set_blessed(blessing, verdict)
        blessing.set_string_custom_property("status", result.report["status"])

    def _inputs(self, input_dict, exec_properties, config):
        stats_artifact = _single(input_dict, "statistics")
        split = pick_split(stats_artifact, exec_properties.get("current_split"), "serving", "statistics")
        baseline_artifact = _single(input_dict, "baseline_statistics")
        baseline, baseline_split = None, None
        if baseline_artifact is not None:
            baseline_split = pick_split(baseline_artifact, exec_properties.get("baseline_split"), "train",
                                        "baseline_statistics")
            baseline = _statistics(baseline_artifact, baseline_split)
        schema_artifact = _single(input_dict, "schema")
        schema = (io_utils.SchemaReader().read(io_utils.get_only_uri_in_dir(schema_artifact.uri))
                  if schema_artifact else None)
        examples, baseline_examples = _single(input_dict, "examples"), _single(input_dict, "baseline_examples")
        feedback, model = _single(input_dict, "feedback_examples"), _single(input_dict, "model")
        inputs = DriftInputs(
            current=_statistics(stats_artifact, split), baseline=baseline, schema=schema,
            model_dir=model.uri if model else None,
            previous_reports=_previous_reports(input_dict.get("previous_reports") or []),
            context={"current": f"split {split} of statistics #{stats_artifact.id}",
                     "baseline": f"split {baseline_split} of statistics #{baseline_artifact.id}"
                     if baseline_artifact else None,
                     "run": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")})
        if examples is not None and baseline_examples is not None:
            inputs.current_rows = _row_reader(examples, pick_split(
                examples, exec_properties.get("current_split"), split, "examples"), raw_records=False)
            inputs.baseline_rows = _row_reader(baseline_examples, pick_split(
                baseline_examples, exec_properties.get("baseline_split"), "train", "baseline_examples"), False)
        if feedback is not None:
            if baseline_examples is None:
                raise DriftInputError("feedback_examples need baseline_examples (the model's evaluation data)")
            raw = model is not None
            inputs.feedback_rows = _row_reader(feedback, pick_split(
                feedback, exec_properties.get("feedback_split"), "feedback", "feedback_examples"), raw)
            inputs.evaluation_rows = _row_reader(baseline_examples, pick_split(
                baseline_examples, exec_properties.get("evaluation_split"), "eval", "baseline_examples"), raw)
        return inputs, split
