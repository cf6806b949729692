"""DriftValidator configuration: one typed config (tfx_dcai.configs convention) with documented defaults.

The component takes it as its one `config` parameter; `dcai drift` generates its flags from the fields.
"""
import dataclasses
from typing import Dict, Optional

from tfx_dcai import configs
from tfx_dcai.configs import option
from tfx_dcai.errors import InputError

WARN, BLOCK = "warn", "block"
FINDING_KINDS = ("feature_drift", "schema_anomaly", "multivariate_drift", "concept_drift")


def _default_policy() -> Dict[str, str]:
    return {"feature_drift": BLOCK, "schema_anomaly": BLOCK, "multivariate_drift": WARN, "concept_drift": BLOCK}


@dataclasses.dataclass(frozen=True)
class DriftConfig:
    """How DriftValidator compares current data with its baseline (docs/drift_validator.md: the table of fields)."""
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
                                           help="model prediction column present in both datasets (instead of "
                                                "--model); left out of data drift")
    policy: Dict[str, str] = option(
        default_factory=_default_policy, metavar="JSON",
        help="which findings block and which warn, as JSON {kind: 'block'|'warn'} for kinds "
             + ", ".join(FINDING_KINDS))
    sample_size: int = option(5000, help="rows per side in the bounded samples (multivariate and concept drift)")
    min_auc: float = option(0.6, help="domain-classifier AUC a multivariate drift must reach")
    permutations: int = option(1000, help="permutations of the domain-classifier AUC test")
    bootstrap: int = option(1000, help="bootstrap resamples of the concept-drift metric difference")
    min_metric_drop: float = option(0.02, help="concept drift: the model metric must fall by at least this much")
    label_rate_bins: int = option(5, help="bins per feature for the conditional label rates")
    seed: int = option(0, help="seed of the samples, classifier and bootstrap")

    def __post_init__(self):
        unknown = set(self.policy) - set(FINDING_KINDS)
        bad = {k: v for k, v in self.policy.items() if v not in (WARN, BLOCK)}
        if unknown or bad:
            raise InputError(f"policy keys must be in {FINDING_KINDS} with values 'warn'/'block'; "
                             f"unknown keys {sorted(unknown)}, bad values {bad}")
        if not 0 < self.q < 1:
            raise InputError(f"q must be in (0, 1), got {self.q}")
        for name, override in self.feature_overrides.items():
            extra = set(override) - {"skip", "min_effect"}
            if extra:
                raise InputError(f"feature_overrides[{name!r}] has unknown keys {sorted(extra)}")
        for name in ("sample_size", "permutations", "bootstrap", "top_k", "label_rate_bins"):
            if getattr(self, name) < 1:
                raise InputError(f"{name} must be >= 1, got {getattr(self, name)}")
        for name in ("min_numeric_effect", "min_categorical_effect", "sketch_error", "min_metric_drop"):
            if getattr(self, name) < 0:
                raise InputError(f"{name} must be >= 0, got {getattr(self, name)}")

    def blocks(self, kind: str) -> bool:
        return self.policy.get(kind, BLOCK) == BLOCK

    def min_effect(self, feature: str, kind: str) -> float:
        default = self.min_numeric_effect if kind == "numeric" else self.min_categorical_effect
        return self.feature_overrides.get(feature, {}).get("min_effect", default)

    def skipped(self, feature: str) -> bool:
        return bool(self.feature_overrides.get(feature, {}).get("skip", False))

    def to_json(self) -> str:
        return configs.to_json(self)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "DriftConfig":
        return configs.from_json(cls, text, "DriftValidator config")
