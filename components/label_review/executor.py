"""Executors of LabelErrorQueue (Beam) and ApplyReviewedLabels: artifacts in, artifacts out.

Outputs are written through tfx_dcai.artifact_io after the Beam pipeline (any filesystem TFX supports); the
pipeline itself writes one scratch JSON into the executor's tmp dir.
"""
import gzip
import json
import os

from tfx.components.util import tfxio_utils
from tfx.dsl.components.base import base_beam_executor, base_executor
from tfx.types import artifact_utils

from tfx_dcai import artifact_io, schema_io
from tfx_dcai.errors import InputError
from tfx_dcai.label_review import queue
from tfx_dcai.label_review.config import LabelErrorsConfig

_TELEMETRY = ["tfx-dcai", "LabelErrorQueue"]
READ_BATCH_ROWS = 4096


class QueueExecutor(base_beam_executor.BaseBeamExecutor):
    """Ranks the examples of one split (FindLabelErrors) and writes the review queue artifact."""

    def Do(self, input_dict, output_dict, exec_properties):
        """Write label_errors.csv and label_errors_report.json/.html into the `review_queue` artifact.

        Args:
          input_dict: `examples`, optional `schema` and `model`.
          output_dict: `review_queue`.
          exec_properties: `config` (LabelErrorsConfig JSON), `split`.

        Raises:
          InputError: bad input, or confident learning cannot run on the split.
        """
        import apache_beam as beam

        from tfx_dcai.label_consistency.beam_agreement import write_json_file
        from tfx_dcai.label_review.beam_label_errors import FindLabelErrors
        from tfx_dcai.model_scoring import RAW_RECORD_COLUMN

        config = LabelErrorsConfig.from_json(exec_properties["config"])
        split = exec_properties["split"]
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        if split not in artifact_utils.decode_split_names(examples.split_names):
            raise InputError(f"examples ({examples.uri}) have no split {split!r}; splits are "
                             f"{artifact_utils.decode_split_names(examples.split_names)}")
        schema = (schema_io.read_schema_artifact(input_dict["schema"][0].uri) if input_dict.get("schema") else None)
        model_dir = artifact_utils.get_single_uri(input_dict["model"]) if input_dict.get("model") else None
        examples_config = config.examples_config(schema, model_dir)
        scratch = os.path.join(self._get_tmp_dir(), "label_errors.json")
        source = f"examples ({examples.uri}, split {split})"
        try:
            with self._make_beam_pipeline() as p:
                _ = (p | "Read" >> tfxio_utils.get_split_tfxio(
                        examples=[examples], split=split, telemetry_descriptors=_TELEMETRY,
                        raw_record_column_name=RAW_RECORD_COLUMN if model_dir else None).BeamSource(READ_BATCH_ROWS)
                     | FindLabelErrors(examples_config, source=source)
                     | "WriteScratch" >> beam.Map(write_json_file, scratch))
            result = artifact_io.read_json(scratch)
        finally:
            artifact_io.remove(scratch)
        summary = result["summary"]
        if summary.get("skipped"):
            raise InputError(f"{source}: confident learning cannot run: {summary['skipped']}")
        budget = queue.review_budget(summary.get("estimated_errors"), config.review_budget)
        table = queue.queue_table(result["rows"], budget)
        report = queue.report(summary, table, budget, result["n_rows"], config, source)
        output = artifact_utils.get_single_instance(output_dict["review_queue"])
        artifact_io.write_text(os.path.join(output.uri, queue.QUEUE_FILE), queue.csv_text(table))
        queue.write(output.uri, report)
        output.set_float_custom_property("estimated_errors", (summary.get("estimated_errors") or {}).get("value") or 0)
        output.set_int_custom_property("queued", budget)
        output.set_int_custom_property("suspected", report["n_suspected"])


class ApplyExecutor(base_executor.BaseExecutor):
    """Copies the Examples, replacing the label of each reviewed example in the chosen splits."""

    def Do(self, input_dict, output_dict, exec_properties):
        """Write `cleaned_examples`: every split's files (gzipped TFRecords), relabelled where reviewed.

        Args:
          input_dict: `examples`, `reviewed_labels`.
          output_dict: `cleaned_examples`.
          exec_properties: `config` (LabelErrorsConfig JSON: label_column, id_column), `splits` (JSON list).

        Raises:
          InputError: bad reviewed labels (no such columns, a label of the wrong type, ids reviewed twice).
        """
        config = LabelErrorsConfig.from_json(exec_properties["config"])
        relabel_splits = set(json.loads(exec_properties["splits"]))
        examples = artifact_utils.get_single_instance(input_dict["examples"])
        reviewed_artifact = artifact_utils.get_single_instance(input_dict["reviewed_labels"])
        reviewed_path = os.path.join(reviewed_artifact.uri, queue.REVIEWED_FILE)
        reviewed = queue.parse_reviewed(artifact_io.read_text(reviewed_path), reviewed_path)
        cleaned = artifact_utils.get_single_instance(output_dict["cleaned_examples"])
        cleaned.split_names = examples.split_names
        for key in ("file_format", "payload_format"):
            if examples.has_custom_property(key):
                cleaned.set_string_custom_property(key, examples.get_string_custom_property(key))
        found, relabelled = set(), 0
        for split in artifact_utils.decode_split_names(examples.split_names):
            source_dir = artifact_utils.get_split_uri([examples], split)
            target_dir = artifact_utils.get_split_uri([cleaned], split)
            artifact_io.makedirs(target_dir)
            for name in artifact_io.list_files(source_dir):
                source = os.path.join(source_dir, name)
                if split in relabel_splits:
                    from tfx_dcai.data_io import read_tfrecords

                    records, hits, changed = relabel_records(read_tfrecords(source), reviewed, config)
                    found |= hits
                    relabelled += changed
                    from tfx_dcai.tf_records import frame_records

                    artifact_io.write_bytes(os.path.join(target_dir, name), gzip.compress(frame_records(records)))
                else:
                    artifact_io.write_bytes(os.path.join(target_dir, name), artifact_io.read_bytes(source))
        cleaned.set_int_custom_property("reviewed", len(reviewed))
        cleaned.set_int_custom_property("relabelled", relabelled)
        cleaned.set_int_custom_property("reviewed_not_found", len(set(reviewed) - found))


def relabel_records(records, reviewed: dict, config: LabelErrorsConfig) -> tuple:
    """(records, ids found, examples whose label changed): serialized tf.Examples with the reviewed labels applied."""
    from tensorflow.core.example import example_pb2

    from tfx_dcai.predictions import label_text

    out, found, changed = [], set(), 0
    for record in records:
        example = example_pb2.Example.FromString(record)
        features = example.features.feature
        ident = _first(features.get(config.id_column)) if config.id_column in features else None
        key = None if ident is None else label_text(ident)
        if key in reviewed:
            found.add(key)
            label = features[config.label_column]
            new = _typed(reviewed[key], label, config.label_column, key)
            if _first(label) != new:
                changed += 1
                kind = label.WhichOneof("kind") or "bytes_list"
                getattr(label, kind).ClearField("value")
                getattr(label, kind).value.append(new)
                record = example.SerializeToString()
        out.append(record)
    return out, found, changed


def _first(feature):
    if feature is None:
        return None
    kind = feature.WhichOneof("kind")
    values = list(getattr(feature, kind).value) if kind else []
    return values[0] if values else None


def _typed(text: str, feature, column: str, ident: str):
    """A reviewed label as the label feature's type (int64, float or bytes)."""
    kind = feature.WhichOneof("kind")
    try:
        if kind == "int64_list":
            return int(float(text)) if float(text).is_integer() else int(text)
        if kind == "float_list":
            return float(text)
    except ValueError:
        raise InputError(f"reviewed label {text!r} of example {ident!r} is not a number, but column {column!r} "
                         "holds numbers") from None
    return text.encode("utf-8")
