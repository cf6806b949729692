"""DriftValidator executor: artifacts in, artifacts out. Reads the examples through TFXIO into
beam_drift.DriftSide (the transform `dcai drift` applies too), then runs analysis.analyze and writes the outputs."""
import datetime
import os
import tempfile
from typing import Any, Dict, List, Optional

import apache_beam as beam
from tfx import types
from tfx.components.util import examples_utils, tfxio_utils
from tfx.dsl.components.base import base_beam_executor
from tfx.proto import example_gen_pb2
from tfx.types import artifact_utils
from tfx.utils import io_utils

from tfx_dcai import artifact_io
from tfx_dcai import artifacts as dcai_artifacts
from tfx_dcai.drift_validator import beam_drift
from tfx_dcai.drift_validator import report as drift_report
from tfx_dcai.drift_validator.analysis import DriftInputError, DriftInputs, analyze, score_samples
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.model_scoring import RAW_RECORD_COLUMN
from tfx_dcai.schema_io import read_schema_artifact

_TELEMETRY = ["tfx-dcai", "DriftValidator"]
STATS_FILE = "FeatureStats.pb"   # StatisticsGen's file in each Split-<name> directory
ANOMALIES_FILE = "SchemaDiff.pb"  # ExampleValidator's file name, so TFX's tools read ours


def _single(input_dict, key) -> Optional[types.Artifact]:
    artifacts = input_dict.get(key) or []
    return artifacts[0] if artifacts else None


def pick_split(artifact: types.Artifact, requested: Optional[str], preferred: str, role: str) -> str:
    """The split of `artifact` to read: `requested`, else its only split, else `preferred`.

    Raises:
      DriftInputError: the requested split is absent, or the choice is ambiguous (the splits are named).
    """
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


def read_statistics(artifact: types.Artifact, split: str):
    """The DatasetFeatureStatistics of one split of an ExampleStatistics artifact (any filesystem)."""
    from tensorflow_metadata.proto.v0 import statistics_pb2

    path = os.path.join(artifact_utils.get_split_uri([artifact], split), STATS_FILE)
    if artifact_io.exists(path):
        stats = statistics_pb2.DatasetFeatureStatisticsList.FromString(artifact_io.read_bytes(path))
    else:  # artifacts written by older StatisticsGen versions (TFRecord of statistics)
        from tfx.components.statistics_gen import stats_artifact_utils
        stats = stats_artifact_utils.load_statistics(artifact, split).proto()
    if not stats.datasets:
        raise DriftInputError(f"statistics split {split!r} of {artifact.uri} holds no dataset")
    return stats.datasets[0]


def _row_reader(examples: types.Artifact, split: str, side: str):
    """pipeline -> PCollection[RecordBatch]. tf.Examples stay serialized (one RAW_RECORD_COLUMN) through the
    sample and are decoded after it (so a model scores the records as read); other payload formats are decoded as
    they are read."""
    tf_examples = examples_utils.get_payload_format(examples) == example_gen_pb2.PayloadFormat.FORMAT_TF_EXAMPLE
    factory = tfxio_utils.get_tfxio_factory_from_artifact(
        [examples], _TELEMETRY, raw_record_column_name=RAW_RECORD_COLUMN if tf_examples else None)
    tfxio = factory(io_utils.all_files_pattern(artifact_utils.get_split_uri([examples], split)))
    label = f"Read[{side}:{split}@{examples.id or examples.uri}]"
    if not tf_examples:
        return lambda pipeline: pipeline | label >> tfxio.BeamSource()
    return lambda pipeline: (pipeline | label >> tfxio.RawRecordBeamSource()
                             | f"Batch{label}" >> beam.BatchElements(min_batch_size=1000, max_batch_size=10_000)
                             | f"AsRecordBatch{label}" >> beam.Map(beam_drift.serialized_examples_batch))


def _previous_reports(artifacts: List[types.Artifact]) -> List[dict]:
    """Earlier drift reports, oldest first: plain DriftReport artifacts or a ReadHistory ledger (tfx_dcai.history)."""
    from tfx_dcai.history import earlier_reports
    reports = []
    for label, report in earlier_reports(artifacts, "drift"):
        report.setdefault("context", {})["run"] = label
        reports.append(report)
    return reports


class Executor(base_beam_executor.BaseBeamExecutor):
    """Resolves splits, draws the bounded samples in one Beam pipeline, scores them, and writes `anomalies`,
    `drift_report` (status custom property) and `blessing` (blessed: 1 pass, 0 blocked, 2 no baseline)."""

    def Do(self, input_dict: Dict[str, List[types.Artifact]], output_dict: Dict[str, List[types.Artifact]],
           exec_properties: Dict[str, Any]) -> None:
        self._log_startup(input_dict, output_dict, exec_properties)
        config = DriftConfig.from_json(exec_properties.get("config"))
        inputs, readers, split = self._inputs(input_dict, exec_properties, config)
        if readers:
            scratch = os.path.join(self._scratch_root(), "drift_samples")
            try:
                with self._make_beam_pipeline() as pipeline:
                    for side, reader in readers.items():
                        _ = reader(pipeline) | beam_drift.DriftSide(side, scratch, config.sample_size)
                inputs.samples = {side: beam_drift.read_side(scratch, side)[0] for side in readers}
            finally:
                artifact_io.rmtree(scratch)
        model = _single(input_dict, "model")
        if model is not None:
            sides = ("evaluation", "feedback", "current")
            inputs.model_outputs = score_samples(inputs.samples, model.uri, config.output_key, sides)
        result = analyze(inputs, config)
        self._write(output_dict, result, split)

    def _scratch_root(self) -> str:
        """The executor's tmp dir (TFX gives every execution one); a local temporary directory for an executor run
        outside TFX without one."""
        try:
            return self._get_tmp_dir()
        except RuntimeError:
            return tempfile.mkdtemp(prefix="dcai-drift-")  # local

    def _write(self, output_dict, result, split: str) -> None:
        report = result.report
        report_artifact = artifact_utils.get_single_instance(output_dict["drift_report"])
        drift_report.write(report_artifact.uri, report)
        report_artifact.set_string_custom_property("status", report["status"])
        anomalies = artifact_utils.get_single_instance(output_dict["anomalies"])
        anomalies.split_names = artifact_utils.encode_split_names([split])
        artifact_io.write_bytes(os.path.join(anomalies.uri, f"Split-{split}", ANOMALIES_FILE),
                                result.anomalies.SerializeToString())
        verdict = (dcai_artifacts.NO_BASELINE if report["status"] == drift_report.NO_BASELINE else
                   dcai_artifacts.BLESSED if report["blessed"] else dcai_artifacts.NOT_BLESSED)
        blessing = artifact_utils.get_single_instance(output_dict["blessing"])
        dcai_artifacts.set_blessed(blessing, verdict)
        blessing.set_string_custom_property("status", report["status"])

    def _inputs(self, input_dict, exec_properties, config: DriftConfig):
        stats_artifact = _single(input_dict, "statistics")
        split = pick_split(stats_artifact, exec_properties.get("current_split"), "serving", "statistics")
        baseline_artifact = _single(input_dict, "baseline_statistics")
        baseline, baseline_split = None, None
        if baseline_artifact is not None:
            baseline_split = pick_split(baseline_artifact, exec_properties.get("baseline_split"), "train",
                                        "baseline_statistics")
            baseline = read_statistics(baseline_artifact, baseline_split)
        schema_artifact = _single(input_dict, "schema")
        inputs = DriftInputs(
            current=read_statistics(stats_artifact, split), baseline=baseline,
            schema=read_schema_artifact(schema_artifact.uri) if schema_artifact else None,
            previous_reports=_previous_reports(input_dict.get("previous_reports") or []),
            context={"current": f"split {split} of statistics #{stats_artifact.id}",
                     "baseline": f"split {baseline_split} of statistics #{baseline_artifact.id}"
                     if baseline_artifact else None,
                     "run": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M")})
        examples, baseline_examples = _single(input_dict, "examples"), _single(input_dict, "baseline_examples")
        feedback, model = _single(input_dict, "feedback_examples"), _single(input_dict, "model")
        readers = {}
        if examples is not None and baseline_examples is not None:
            readers["current"] = _row_reader(examples, pick_split(
                examples, exec_properties.get("current_split"), split, "examples"), "current")
            readers["baseline"] = _row_reader(baseline_examples, pick_split(
                baseline_examples, exec_properties.get("baseline_split"), "train", "baseline_examples"), "baseline")
        if feedback is not None:
            if baseline_examples is None:
                raise DriftInputError("feedback_examples need baseline_examples (the model's evaluation data)")
            readers["feedback"] = _row_reader(feedback, pick_split(
                feedback, exec_properties.get("feedback_split"), "feedback", "feedback_examples"), "feedback")
        predictions_on_current = "current" in readers and (model is not None or config.prediction_key)
        if baseline_examples is not None and config.label_key and (feedback is not None or predictions_on_current):
            readers["evaluation"] = _row_reader(baseline_examples, pick_split(
                baseline_examples, exec_properties.get("evaluation_split"), "eval", "baseline_examples"), "evaluation")
        return inputs, readers, split
