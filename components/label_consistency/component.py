"""LabelConsistencyGen: labeler agreement, per-class verdicts and consensus Examples, as a TFX component.

Inputs: `annotations` (Examples in long format: one row per (item, annotator, label), optionally with the
item's features); optional `previous_report` (the LabelConsistencyReport of an earlier run, e.g. from a
Resolver over MLMD) for the before/after comparison of the revision loop; optional `examples`
(single-labelled Examples) for X->y conflicts and confident learning, with optional `prediction_column`
(the user's out-of-sample probabilities, used instead of the built-in model) and optional `schema` (Schema:
categorical vs numeric features; DEPRECATED and non-TRAINING features skipped).
Outputs: `report` (LabelConsistencyReport), `consensus_examples` (Examples, gzipped tf.Example TFRecords, one
row per item with a consensus label), `blessing` (LabelConsistencyBlessing: 1 consistent, 0 not).
"""
import json
from typing import Optional, Sequence

from tfx import types
from tfx.dsl.components.base import base_beam_component, executor_spec
from tfx.types import standard_artifacts
from tfx.types.component_spec import ChannelParameter, ComponentSpec, ExecutionParameter

from tfx_dcai.artifacts import LabelConsistencyBlessing, LabelConsistencyReport
from tfx_dcai.label_consistency import executor
from tfx_dcai.label_consistency.config import LabelConsistencyConfig
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.summary import Thresholds

DEFAULT_SPLITS = {"train": 4, "eval": 1}


class LabelConsistencyGenSpec(ComponentSpec):
    PARAMETERS = {
        "item_column": ExecutionParameter(type=str),
        "annotator_column": ExecutionParameter(type=str),
        "label_column": ExecutionParameter(type=str),
        "level": ExecutionParameter(type=str),
        "kind": ExecutionParameter(type=str),
        "consensus": ExecutionParameter(type=str),
        "weights": ExecutionParameter(type=str, optional=True),
        "min_alpha": ExecutionParameter(type=float),
        "min_class_agreement": ExecutionParameter(type=float),
        "min_class_kappa": ExecutionParameter(type=float),
        "label_domain": ExecutionParameter(type=str, optional=True),   # JSON list
        "instructions_version": ExecutionParameter(type=str),
        "n_bootstrap": ExecutionParameter(type=int),
        "min_confidence": ExecutionParameter(type=float),
        "consensus_splits": ExecutionParameter(type=str),              # JSON {split: hash buckets}
        "text_normalisation": ExecutionParameter(type=str, optional=True),   # JSON list of rules
        "match_iou": ExecutionParameter(type=float, optional=True),
        "example_label_column": ExecutionParameter(type=str, optional=True),
        "example_id_column": ExecutionParameter(type=str, optional=True),
        "example_features": ExecutionParameter(type=str, optional=True),  # JSON list
        "prediction_column": ExecutionParameter(type=str, optional=True),
    }
    INPUTS = {
        "annotations": ChannelParameter(type=standard_artifacts.Examples),
        "previous_report": ChannelParameter(type=LabelConsistencyReport, optional=True),
        "examples": ChannelParameter(type=standard_artifacts.Examples, optional=True),
        "schema": ChannelParameter(type=standard_artifacts.Schema, optional=True),
    }
    OUTPUTS = {
        "report": ChannelParameter(type=LabelConsistencyReport),
        "consensus_examples": ChannelParameter(type=standard_artifacts.Examples),
        "blessing": ChannelParameter(type=LabelConsistencyBlessing),
    }


class LabelConsistencyGen(base_beam_component.BaseBeamComponent):
    SPEC_CLASS = LabelConsistencyGenSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, annotations: types.BaseChannel, item_column: str = "item_id",
                 annotator_column: str = "annotator_id", label_column: str = "label", level: str = "nominal",
                 kind: str = "class", consensus: str = "majority", weights: Optional[str] = None,
                 thresholds: Thresholds = Thresholds(), label_domain: Optional[Sequence] = None,
                 instructions_version: str = "", n_bootstrap: int = 1000, min_confidence: float = 0.0,
                 consensus_splits: Optional[dict] = None, text_normalisation: Sequence[str] = ("whitespace",),
                 match_iou: float = 0.5,
                 previous_report: Optional[types.BaseChannel] = None,
                 examples: Optional[types.BaseChannel] = None, example_label_column: Optional[str] = None,
                 example_id_column: Optional[str] = None, example_features: Optional[Sequence[str]] = None,
                 prediction_column: Optional[str] = None, schema: Optional[types.BaseChannel] = None):
        LabelConsistencyConfig(item_column, annotator_column, label_column, level, kind, consensus, thresholds,
                               weights, text_normalisation=tuple(text_normalisation),
                               match_iou=match_iou)  # fail at pipeline construction on bad parameters
        if examples is None and (prediction_column or schema is not None):
            raise BadInputError("prediction_column and schema describe the `examples` input: pass examples too")
        spec = LabelConsistencyGenSpec(
            annotations=annotations, previous_report=previous_report, examples=examples, schema=schema,
            example_label_column=example_label_column, example_id_column=example_id_column,
            prediction_column=prediction_column,
            example_features=json.dumps(list(example_features)) if example_features is not None else None,
            item_column=item_column,
            annotator_column=annotator_column, label_column=label_column, level=level, kind=kind,
            consensus=consensus, weights=weights, min_alpha=thresholds.min_alpha,
            min_class_agreement=thresholds.min_class_agreement, min_class_kappa=thresholds.min_class_kappa,
            label_domain=json.dumps(list(label_domain)) if label_domain is not None else None,
            instructions_version=instructions_version, n_bootstrap=n_bootstrap, min_confidence=min_confidence,
            consensus_splits=json.dumps(consensus_splits or DEFAULT_SPLITS),
            text_normalisation=json.dumps(list(text_normalisation)), match_iou=match_iou,
            report=types.Channel(type=LabelConsistencyReport),
            consensus_examples=types.Channel(type=standard_artifacts.Examples),
            blessing=types.Channel(type=LabelConsistencyBlessing))
        super().__init__(spec=spec)
