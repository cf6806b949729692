"""DriftValidator configuration: one typed config (tfx_dcai.configs convention) with documented defaults.

The component takes it as its one `config` parameter; `dcai drift` generates its flags from the fields. Every value
is checked when the config is built (so when the component is constructed), never after the pipeline has run.
"""
import dataclasses
import math
from typing import Dict, Optional, Tuple

from tfx_dcai import configs, predictions
from tfx_dcai.configs import option
from tfx_dcai.errors import InputError

WARN, BLOCK = "warn", "block"
FINDING_KINDS = ("feature_drift", "schema_anomaly", "multivariate_drift", "concept_drift", "prediction_drift")


def _default_policy() -> Dict[str, str]:
    return {"feature_drift": BLOCK, "schema_anomaly": BLOCK, "multivariate_drift": WARN, "concept_drift": BLOCK,
            "prediction_drift": WARN}


@dataclasses.dataclass(frozen=True)
class DriftConfig:
    """How DriftValidator compares current data with its baseline (docs/drift_validator.md: the table of fields).

    Raises:
      InputError: a value out of range, an unknown policy kind or feature-override key (on construction).
    """
    environment: str = option("SERVING", help="schema environment the current data is validated in")
    q: float = option(0.05, help="Benjamini-Hochberg false-discovery level across features")
    min_numeric_effect: float = option(0.1, help="scaled Wasserstein distance (in baseline sd) a numeric drift "
                                                 "must reach")
    min_categorical_effect: float = option(0.05, help="L-infinity distance of value shares a categorical drift "
                                                      "must reach")
    top_k: int = option(20, help="categorical values with their own chi-square column (the rest: other)")
    sketch_error: float = option(0.01, help="TFDV quantile-sketch rank error, subtracted from KS statistics")
    tfdv_jsd_threshold: float = option(0.1, help="TFDV comparator threshold, reported beside ours (never decides)")
    feature_overrides: Dict[str, dict] = option(
        default_factory=dict, metavar="JSON",
        help='per-feature settings as JSON, e.g. \'{"fare": {"min_effect": 0.3}, "id": {"skip": true}}\'')
    label_key: Optional[str] = option(None, flag="--label-column",
                                      help="label column: concept drift; left out of data drift")
    prediction_key: Optional[str] = option(None, flag="--prediction-column",
                                           help="model prediction column P (binary probability, predicted label or "
                                                "regression value) or prefix of P_<label> class probabilities, "
                                                "instead of --model; left out of data drift")
    task: Optional[str] = predictions.task_option()
    output_key: Optional[str] = predictions.output_key_option()
    class_labels: Tuple[str, ...] = predictions.class_labels_option()
    policy: Dict[str, str] = option(
        default_factory=_default_policy, metavar="JSON",
        help="which findings block and which warn, as JSON {kind: 'block'|'warn'} for kinds "
             + ", ".join(FINDING_KINDS))
    sample_size: int = option(5000, help="rows per side in the bounded samples (multivariate and concept drift)")
    min_auc: float = option(0.6, help="domain-classifier AUC a multivariate drift must reach")
    permutations: int = option(1000, help="permutations of the domain-classifier AUC test")
    bootstrap: int = option(1000, help="bootstrap resamples of the concept-drift metric differences (and "
                                       "simulations of the estimated performance)")
    min_metric_drop: float = option(0.02, help="concept drift: the primary metric must worsen by at least this much "
                                               "(absolute for AUC/accuracy, relative to the baseline for MAE)")
    label_rate_bins: int = option(5, help="bins per feature for the conditional label rates")
    seed: int = option(0, help="seed of the classifier, bootstrap and simulations")

    def __post_init__(self):
        policy = dict(self.policy)
        unknown = set(policy) - set(FINDING_KINDS)
        bad = {k: v for k, v in policy.items() if v not in (WARN, BLOCK)}
        if unknown or bad:
            raise InputError(f"policy keys must be in {FINDING_KINDS} with values 'warn'/'block'; "
                             f"unknown keys {sorted(unknown)}, bad values {bad}")
        object.__setattr__(self, "policy", {**_default_policy(), **policy})
        if not isinstance(self.environment, str) or not self.environment:
            raise InputError(f"environment must be a non-empty name, got {self.environment!r}")
        self._range("q", 0, 1, open_low=True, open_high=True)
        self._range("min_auc", 0.5, 1)
        self._range("tfdv_jsd_threshold", 0, 1)
        self._range("sketch_error", 0, 1, open_high=True)
        self._range("min_categorical_effect", 0, 1)
        for name in ("min_numeric_effect", "min_metric_drop"):
            self._range(name, 0, math.inf)
        for name in ("sample_size", "permutations", "bootstrap", "top_k", "label_rate_bins"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise InputError(f"{name} must be an integer >= 1, got {value!r}")
        if self.sample_size < 20:
            raise InputError(f"sample_size must be >= 20 (the multivariate and concept-drift tests need rows), "
                             f"got {self.sample_size}")
        if not isinstance(self.feature_overrides, dict):
            raise InputError(f"feature_overrides must be a JSON object, got {self.feature_overrides!r}")
        for name, override in self.feature_overrides.items():
            if not isinstance(override, dict):
                raise InputError(f"feature_overrides[{name!r}] must be an object like {{\"skip\": true}}")
            extra = set(override) - {"skip", "min_effect"}
            if extra:
                raise InputError(f"feature_overrides[{name!r}] has unknown keys {sorted(extra)}")
            effect = override.get("min_effect", 0)
            if isinstance(effect, bool) or not isinstance(effect, (int, float)) or not effect >= 0:
                raise InputError(f"feature_overrides[{name!r}].min_effect must be a number >= 0, got {effect!r}")
        if self.task is not None and self.task not in predictions.TASKS:
            raise InputError(f"task must be one of {predictions.TASKS}, got {self.task!r}")
        if self.label_key is not None and self.label_key == self.prediction_key:
            raise InputError(f"label_key and prediction_key are the same column {self.label_key!r}")
        if len(set(map(str, self.class_labels))) != len(self.class_labels):
            raise InputError(f"class_labels repeat a class: {list(self.class_labels)}")

    def _range(self, name: str, low: float, high: float, open_low: bool = False, open_high: bool = False):
        value = getattr(self, name)
        ok = (not isinstance(value, bool) and isinstance(value, (int, float)) and not math.isnan(value)
              and (value > low if open_low else value >= low) and (value < high if open_high else value <= high))
        if not ok:
            interval = f"{'(' if open_low else '['}{low}, {high}{')' if open_high else ']'}"
            raise InputError(f"{name} must be in {interval}, got {value!r}")

    def blocks(self, kind: str) -> bool:
        """Whether a finding of `kind` blocks (policy 'block') rather than warns."""
        return self.policy.get(kind, BLOCK) == BLOCK

    def min_effect(self, feature: str, kind: str) -> float:
        """The effect size a drift of `feature` must reach (its override, else the numeric/categorical default)."""
        default = self.min_numeric_effect if kind == "numeric" else self.min_categorical_effect
        return self.feature_overrides.get(feature, {}).get("min_effect", default)

    def skipped(self, feature: str) -> bool:
        """Whether `feature` is left out of the comparison (feature_overrides {"skip": true})."""
        return bool(self.feature_overrides.get(feature, {}).get("skip", False))

    def excluded(self, name: str) -> bool:
        """Whether column `name` is the label or a prediction column (P or P_<label>): not a covariate."""
        return name == self.label_key or predictions.is_prediction_column(name, self.prediction_key)

    def to_json(self) -> str:
        """Canonical JSON of the config (the component's `config` parameter)."""
        return configs.to_json(self)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "DriftConfig":
        """The config from its JSON text (None or "": the defaults).

        Raises:
          InputError: unknown keys or bad values, named.
        """
        return configs.from_json(cls, text, "DriftValidator config")
