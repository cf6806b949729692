"""SliceErrorAnalyzer: a TFX component that finds the slices of the evaluation data where a model is worse.

The spec and channels only; the executor is executor.py and the analysis passes.py / analysis.py.
"""
import json
from typing import Optional, Sequence, Union

from tfx import types
from tfx.dsl.components.base import executor_spec
from tfx.dsl.components.base.base_beam_component import BaseBeamComponent
from tfx.types import component_spec, standard_artifacts

from tfx_dcai import configs
from tfx_dcai.errors import InputError
from tfx_dcai.artifacts import LabelConsistencyReport, SliceBlessing, SliceReport, SlicingSpecs
from tfx_dcai.slice_error_analyzer import executor
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError

_P = component_spec.ExecutionParameter
_C = component_spec.ChannelParameter
LIST_FIELDS = ("include_features", "exclude_features", "class_labels")


class SliceErrorAnalyzerSpec(component_spec.ComponentSpec):
    """Parameters, inputs and outputs (docs/slice_error_analyzer.md)."""
    PARAMETERS = {"config": _P(type=str)}  # SliceConfig as JSON
    INPUTS = {
        "examples": _C(type=standard_artifacts.Examples),
        "schema": _C(type=standard_artifacts.Schema),
        "model": _C(type=standard_artifacts.Model, optional=True),
        "baseline_model": _C(type=standard_artifacts.Model, optional=True),
        "statistics": _C(type=standard_artifacts.ExampleStatistics, optional=True),
        "train_statistics": _C(type=standard_artifacts.ExampleStatistics, optional=True),
        "label_consistency_report": _C(type=LabelConsistencyReport, optional=True),
        "pool": _C(type=standard_artifacts.Examples, optional=True),
    }
    OUTPUTS = {
        "slice_report": _C(type=SliceReport),
        "blessing": _C(type=SliceBlessing),
        "slicing_specs": _C(type=SlicingSpecs),
        "selection": _C(type=standard_artifacts.Examples, optional=True),
    }


def _as_list(name: str, value):
    """A list parameter given as a list/tuple, or (as before) as a JSON list string."""
    if value is None or isinstance(value, (list, tuple)):
        return None if value is None else tuple(value)
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
        except ValueError:
            raise SliceInputError(f"{name}: expected a list of column names (or a JSON list), got {value!r}") from None
        if isinstance(parsed, list):
            return tuple(parsed)
    raise SliceInputError(f"{name}: expected a list of column names, got {value!r}")


def make_config(config=None, **fields) -> SliceConfig:
    """The component's SliceConfig: `config` (SliceConfig, dict or JSON text) with the keyword fields applied.

    Raises:
      SliceInputError (an InputError): unknown fields or invalid values, naming them.
    """
    if isinstance(config, str) and not config.lstrip().startswith("{"):
        config, fields = None, dict(fields, label_key=fields.get("label_key") or config)  # old 3rd positional
    try:
        base = configs.coerce(SliceConfig, config, "SliceErrorAnalyzer config")
        for name in LIST_FIELDS:
            if name in fields:
                fields[name] = _as_list(name, fields[name])
        return configs.replace(base, "SliceErrorAnalyzer", **fields)
    except SliceInputError:
        raise
    except InputError as exc:  # unknown keys, wrong types (tfx_dcai.configs): one error type for the component
        raise SliceInputError(str(exc)) from None


class SliceErrorAnalyzer(BaseBeamComponent):
    """Slices of `examples` (split `config.split`, default "eval") where the model errs significantly more than
    overall, what to do about them, TFMA SlicingSpecs for them, a blessing that blocks regressions against
    `baseline_model`, and (with `pool` and `config.budget`) the pool rows to label next for those slices.

    Args:
      examples: Examples with the split to analyse (labels included).
      schema: the Schema of the examples.
      config: a SliceConfig, a dict of its fields, or JSON text (docs/slice_error_analyzer.md).
      model: a Trainer's Model (predictions computed in Beam); give it or `prediction_key`, not both.
      baseline_model: the last blessed Model: the gate.
      statistics: ExampleStatistics of the examples (numeric bins from TFDV's quantiles; training shares when it
        has a train split).
      train_statistics: ExampleStatistics of the training data (diagnosis).
      label_consistency_report: a LabelConsistencyReport (diagnosis).
      pool: unlabelled Examples to choose `budget` rows from (output `selection`).
      **fields: SliceConfig fields as keyword arguments, applied over `config` (the documented flat parameters:
        label_key, prediction_key, metric, split, include_features, exclude_features (lists, or JSON list text),
        max_level, min_support, alpha, k, q, num_bins, max_values, ranking, max_slices, and task, output_key,
        class_labels, recall_class, budget).

    Raises:
      SliceInputError: an invalid config value, no label_key, not exactly one of model / prediction_key, or pool
        and budget not given together; all when the pipeline is built.
    """
    SPEC_CLASS = SliceErrorAnalyzerSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, examples: types.BaseChannel, schema: types.BaseChannel,
                 config: Union[SliceConfig, dict, str, None] = None, model: Optional[types.BaseChannel] = None,
                 baseline_model: Optional[types.BaseChannel] = None, statistics: Optional[types.BaseChannel] = None,
                 train_statistics: Optional[types.BaseChannel] = None,
                 label_consistency_report: Optional[types.BaseChannel] = None,
                 pool: Optional[types.BaseChannel] = None, label_key: Optional[str] = None,
                 prediction_key: Optional[str] = None, metric: Optional[str] = None, split: Optional[str] = None,
                 include_features: Union[Sequence[str], str, None] = None,
                 exclude_features: Union[Sequence[str], str, None] = None, max_level: Optional[int] = None,
                 min_support: Optional[int] = None, alpha: Optional[float] = None, k: Optional[int] = None,
                 q: Optional[float] = None, num_bins: Optional[int] = None, max_values: Optional[int] = None,
                 ranking: Optional[str] = None, max_slices: Optional[int] = None, **fields):
        flat = dict(label_key=label_key, prediction_key=prediction_key, metric=metric, split=split,
                    include_features=include_features, exclude_features=exclude_features, max_level=max_level,
                    min_support=min_support, alpha=alpha, k=k, q=q, num_bins=num_bins, max_values=max_values,
                    ranking=ranking, max_slices=max_slices, **fields)
        config = make_config(config, **{k_: v for k_, v in flat.items() if v is not None})
        config.require_label("label_key")
        if (model is None) == (config.prediction_key is None):
            raise SliceInputError("give exactly one of `model` (predictions computed in Beam) or `prediction_key` "
                                  "(predictions already in the examples)")
        if (pool is None) != (config.budget == 0):
            raise SliceInputError("`pool` and `budget` go together: a pool of unlabelled Examples and budget >= 1 "
                                  "rows to choose from it")
        spec = SliceErrorAnalyzerSpec(
            examples=examples, schema=schema, model=model, baseline_model=baseline_model, statistics=statistics,
            train_statistics=train_statistics, label_consistency_report=label_consistency_report, pool=pool,
            config=config.to_json(), slice_report=types.Channel(type=SliceReport),
            blessing=types.Channel(type=SliceBlessing), slicing_specs=types.Channel(type=SlicingSpecs),
            selection=types.Channel(type=standard_artifacts.Examples) if pool is not None else None)
        super().__init__(spec=spec)

    @property
    def config(self) -> SliceConfig:
        """The validated SliceConfig this component runs with."""
        return SliceConfig.from_json(self.exec_properties["config"])
