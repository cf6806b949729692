"""SliceErrorAnalyzer: a TFX component that finds slices of the evaluation data where the model is worse."""
from tfx.dsl.components.base import executor_spec
from tfx.dsl.components.base.base_beam_component import BaseBeamComponent
from tfx import types
from tfx.types import component_spec, standard_artifacts

from tfx_dcai.artifacts import LabelConsistencyReport, SliceBlessing, SliceReport, SlicingSpecs
from tfx_dcai.slice_error_analyzer import executor

_P = component_spec.ExecutionParameter
_C = component_spec.ChannelParameter


class SliceErrorAnalyzerSpec(component_spec.ComponentSpec):
    """Parameters and defaults are documented in docs/slice_error_analyzer.md."""
    PARAMETERS = {
        "label_key": _P(type=str),
        "prediction_key": _P(type=str, optional=True),
        "metric": _P(type=str, optional=True),
        "split": _P(type=str, optional=True),
        "include_features": _P(type=str, optional=True),  # JSON list
        "exclude_features": _P(type=str, optional=True),  # JSON list
        "max_level": _P(type=int, optional=True),
        "min_support": _P(type=int, optional=True),
        "alpha": _P(type=float, optional=True),
        "k": _P(type=int, optional=True),
        "q": _P(type=float, optional=True),
        "num_bins": _P(type=int, optional=True),
        "max_values": _P(type=int, optional=True),
        "ranking": _P(type=str, optional=True),
        "max_slices": _P(type=int, optional=True),
    }
    INPUTS = {
        "examples": _C(type=standard_artifacts.Examples),
        "schema": _C(type=standard_artifacts.Schema),
        "model": _C(type=standard_artifacts.Model, optional=True),
        "baseline_model": _C(type=standard_artifacts.Model, optional=True),
        "statistics": _C(type=standard_artifacts.ExampleStatistics, optional=True),
        "train_statistics": _C(type=standard_artifacts.ExampleStatistics, optional=True),
        "label_consistency_report": _C(type=LabelConsistencyReport, optional=True),
    }
    OUTPUTS = {
        "slice_report": _C(type=SliceReport),
        "blessing": _C(type=SliceBlessing),
        "slicing_specs": _C(type=SlicingSpecs),
    }


class SliceErrorAnalyzer(BaseBeamComponent):
    """Slices of `examples` (split `split`, default "eval") where `model` (or the `prediction_key` column) errs
    significantly more than overall; a blessing that blocks regressions against `baseline_model`."""
    SPEC_CLASS = SliceErrorAnalyzerSpec
    EXECUTOR_SPEC = executor_spec.BeamExecutorSpec(executor.Executor)

    def __init__(self, examples, schema, label_key: str, model=None, prediction_key: str = None,
                 baseline_model=None, statistics=None, train_statistics=None, label_consistency_report=None,
                 metric: str = None, split: str = None, include_features: str = None, exclude_features: str = None,
                 max_level: int = None, min_support: int = None, alpha: float = None, k: int = None,
                 q: float = None, num_bins: int = None, max_values: int = None, ranking: str = None,
                 max_slices: int = None):
        if (model is None) == (prediction_key is None):
            raise ValueError("give exactly one of `model` (predictions computed in Beam) or `prediction_key` "
                             "(predictions already in the examples)")
        spec = SliceErrorAnalyzerSpec(
            examples=examples, schema=schema, model=model, baseline_model=baseline_model, statistics=statistics,
            train_statistics=train_statistics, label_consistency_report=label_consistency_report,
            label_key=label_key, prediction_key=prediction_key, metric=metric, split=split,
            include_features=include_features, exclude_features=exclude_features, max_level=max_level,
            min_support=min_support, alpha=alpha, k=k, q=q, num_bins=num_bins, max_values=max_values,
            ranking=ranking, max_slices=max_slices,
            slice_report=types.Channel(type=SliceReport), blessing=types.Channel(type=SliceBlessing),
            slicing_specs=types.Channel(type=SlicingSpecs))
        super().__init__(spec=spec)
