"""SliceErrorAnalyzer configuration: one typed config (the tfx_dcai.configs convention) with documented defaults.

The component takes it as its one `config` parameter (a SliceConfig, a dict of its fields, or JSON text);
`dcai slices` generates its flags from the fields; `find_slices` takes the fields as keyword arguments. Every
value is checked when the config is made, so a bad value fails when the pipeline is built, not after training.
"""
import dataclasses
import math
from typing import Optional, Sequence, Tuple

from tfx_dcai import configs, predictions
from tfx_dcai.configs import option
from tfx_dcai.slice_error_analyzer import slice_metrics
from tfx_dcai.slice_error_analyzer.exceptions import SliceInputError
from tfx_dcai.slice_error_analyzer.sliceline import SliceLineParams

RANKINGS = ("default", "sliceline")
MAX_LEVEL = 8           # more predicates than this per slice is never readable and the lattice explodes
DEFAULT_MIN_SUPPORT = 32  # min_support none: max(DEFAULT_MIN_SUPPORT, ceil(rows / 100))


@dataclasses.dataclass(frozen=True)
class SliceConfig:
    """What SliceErrorAnalyzer analyses and how (docs/slice_error_analyzer.md has the table of fields).

    Attributes: see each field's help text; `label_key` is required wherever the analysis runs.
    """
    label_key: Optional[str] = option(None, flag="--label-column",
                                     help="label column (required, on the command line or in --config)")
    prediction_key: Optional[str] = option(
        None, flag="--prediction-column",
        help="column P of the examples holding the prediction (probability of the positive class, predicted "
             "label or value), or the prefix of columns P_<label> (one probability per class); instead of a model")
    task: Optional[str] = predictions.task_option()
    output_key: Optional[str] = predictions.output_key_option()
    class_labels: Tuple[str, ...] = predictions.class_labels_option()
    metric: Optional[str] = option(
        None, choices=slice_metrics.METRICS,
        help="error_rate, log_loss or recall (classification), abs_error or squared_error (regression); "
             "none: error_rate, or abs_error for regression")
    recall_class: Optional[str] = option(
        None, help="the class whose recall metric=recall analyses (none: the positive class of a binary task)")
    split: str = option("eval", cli=False, help="split of the examples to analyse (component)")
    include_features: Tuple[str, ...] = option((), flag="--include", metavar="A,B,...",
                                               help="features to slice (empty: every feature)")
    exclude_features: Tuple[str, ...] = option((), flag="--exclude", metavar="A,B,...",
                                               help="features not to slice (the label and predictions never are)")
    max_level: int = option(3, help=f"most predicates per slice (1 to {MAX_LEVEL})")
    min_support: Optional[int] = option(
        None, help=f"fewest rows in a slice; none: max({DEFAULT_MIN_SUPPORT}, ceil(rows / 100))")
    alpha: float = option(0.95, help="SliceLine's weight of the error term vs the size term, in (0, 1]")
    k: int = option(10, help="SliceLine's top-k (drives its score pruning)")
    q: float = option(0.05, help="false discovery rate of the slice tests (Benjamini-Hochberg), in (0, 1)")
    num_bins: int = option(10, help="quantile bins per numeric feature")
    max_values: int = option(20, help="most frequent values kept per categorical feature; the rest is 'other'")
    ranking: str = option("default", choices=RANKINGS,
                          help="default: tested, de-nested, by excess errors; sliceline: SliceLine's raw top-k")
    max_slices: int = option(50, help="most slices listed (default ranking)")
    budget: int = option(0, help="rows to choose from the unlabelled pool for the significant slices (needs a "
                                 "pool)")

    def __post_init__(self):
        if self.metric is not None and self.metric not in slice_metrics.METRICS:
            raise SliceInputError(f"unknown metric {self.metric!r}: choose one of {', '.join(slice_metrics.METRICS)}")
        if self.task is not None and self.task not in predictions.TASKS:
            raise SliceInputError(f"unknown task {self.task!r}: choose one of {', '.join(predictions.TASKS)}")
        if self.task is not None and self.metric is not None:
            slice_metrics.check_metric_for_task(self.metric, self.task)
        if self.task == predictions.MULTICLASS and self.metric == slice_metrics.RECALL and self.recall_class is None:
            raise SliceInputError("metric recall on a multiclass task needs recall_class (--recall-class): the "
                                  "class whose recall to analyse")
        if self.ranking not in RANKINGS:
            raise SliceInputError(f"unknown ranking {self.ranking!r}: choose one of {', '.join(RANKINGS)}")
        if self.label_key is not None and self.label_key == self.prediction_key:
            raise SliceInputError(f"label_key and prediction_key are the same column {self.label_key!r}")
        _check_range("q", self.q, 0.0, 1.0, "--q", open_low=True, open_high=True)
        _check_range("alpha", self.alpha, 0.0, 1.0, "--alpha", open_low=True)
        _check_int("max_level", self.max_level, 1, "--max-level", MAX_LEVEL)
        _check_int("k", self.k, 1, "--k")
        _check_int("num_bins", self.num_bins, 2, "--num-bins")
        _check_int("max_values", self.max_values, 1, "--max-values")
        _check_int("max_slices", self.max_slices, 1, "--max-slices")
        _check_int("budget", self.budget, 0, "--budget")
        if self.min_support is not None:
            _check_int("min_support", self.min_support, 1, "--min-support")
        for name in ("include_features", "exclude_features", "class_labels"):
            if not all(isinstance(v, str) for v in getattr(self, name)):
                raise SliceInputError(f"{name} must be a list of column names (text), got {list(getattr(self, name))}")

    def min_support_for(self, n: int) -> int:
        """The min_support used on n rows: the configured one, else max(32, ceil(n / 100))."""
        return self.min_support if self.min_support is not None else max(DEFAULT_MIN_SUPPORT, math.ceil(n / 100))

    def search_params(self, n: int) -> SliceLineParams:
        """SliceLine's parameters on n usable rows."""
        return SliceLineParams(self.alpha, self.k, self.max_level, self.min_support_for(n))

    def require_label(self, where: str = "label_key") -> None:
        """Raise SliceInputError unless label_key is set (`where` names the parameter or flag)."""
        if not self.label_key:
            raise SliceInputError(f"{where} is required: name the label column")

    def features_from(self, names: Sequence[str], reserved: Sequence[str] = (), source: str = "the examples"
                      ) -> Tuple[str, ...]:
        """The features to slice, in `names` order.

        Args:
          names: the columns of the data.
          reserved: further columns that are never features (baseline predictions, raw records).
          source: how errors name the data.

        Returns:
          include_features (or every column) minus exclude_features, the label, the prediction columns (P and
          P_<label>) and `reserved`.

        Raises:
          SliceInputError: an included or excluded feature is not a column, or no feature is left.
        """
        unknown = [f for f in self.include_features + self.exclude_features if f not in names]
        if unknown:
            raise SliceInputError(f"feature(s) {', '.join(map(repr, unknown))} given in include/exclude are not in "
                                  f"{source} (columns: {', '.join(map(str, names))})")
        skip = set(self.exclude_features) | {self.label_key} | set(reserved)
        chosen = tuple(f for f in (self.include_features or names) if f not in skip
                       and not predictions.is_prediction_column(f, self.prediction_key))
        if not chosen:
            raise SliceInputError(f"no feature left to slice in {source}: check include/exclude and the label and "
                                  "prediction columns")
        return chosen

    def to_json(self) -> str:
        return configs.to_json(self)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "SliceConfig":
        return configs.from_json(cls, text, "SliceErrorAnalyzer config")


def _check_range(name, value, low, high, flag, open_low=False, open_high=False):
    ok = isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and (
        value > low if open_low else value >= low) and (value < high if open_high else value <= high)
    if not ok:
        interval = f"{'(' if open_low else '['}{low:g}, {high:g}{')' if open_high else ']'}"
        raise SliceInputError(f"{name} ({flag}) must be in {interval}, got {value!r}")


def _check_int(name, value, low, flag, high=None):
    if isinstance(value, bool) or not isinstance(value, int) or value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f">= {low}"
        raise SliceInputError(f"{name} ({flag}) must be an integer {bound}, got {value!r}")


def coerce(config, what: str = "SliceErrorAnalyzer config") -> SliceConfig:
    """A SliceConfig from a SliceConfig, a dict of fields, JSON text or None (see tfx_dcai.configs.coerce)."""
    return configs.coerce(SliceConfig, config, what)
