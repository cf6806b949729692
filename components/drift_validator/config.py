"""DriftValidator configuration: one JSON-serialisable object with documented defaults."""
import dataclasses
import json
from typing import Dict, Optional

WARN, BLOCK = "warn", "block"
FINDING_KINDS = ("feature_drift", "schema_anomaly", "multivariate_drift", "concept_drift")


@dataclasses.dataclass
class DriftConfig:
    environment: str = "SERVING"          # schema environment the current data is validated in
    q: float = 0.05                       # Benjamini-Hochberg false-discovery level across features
    min_numeric_effect: float = 0.1       # scaled Wasserstein (W1 / baseline sd) a numeric drift must reach
    min_categorical_effect: float = 0.05  # L-infinity distance of shares a categorical drift must reach
    top_k: int = 20                       # categorical values with their own chi-square column
    sketch_error: float = 0.01            # TFDV quantile-sketch rank error, subtracted from KS statistics
    tfdv_jsd_threshold: float = 0.1       # TFDV comparator threshold, reported beside ours (never decides)
    feature_overrides: Dict[str, dict] = dataclasses.field(default_factory=dict)  # name -> {"skip", "min_effect"}
    label_key: Optional[str] = None
    prediction_key: Optional[str] = None
    policy: Dict[str, str] = dataclasses.field(default_factory=lambda: {
        "feature_drift": BLOCK, "schema_anomaly": BLOCK, "multivariate_drift": WARN, "concept_drift": BLOCK})
    sample_size: int = 5000               # rows per side for the domain classifier and concept drift
    min_auc: float = 0.6                  # domain-classifier AUC a multivariate drift must reach
    permutations: int = 1000
    bootstrap: int = 1000
    min_metric_drop: float = 0.02         # concept drift: the model metric must fall by at least this much
    label_rate_bins: int = 5
    seed: int = 0

    def __post_init__(self):
        unknown = set(self.policy) - set(FINDING_KINDS)
        bad = {k: v for k, v in self.policy.items() if v not in (WARN, BLOCK)}
        if unknown or bad:
            raise ValueError(f"policy keys must be in {FINDING_KINDS} with values 'warn'/'block'; "
                             f"unknown keys {sorted(unknown)}, bad values {bad}")
        if not 0 < self.q < 1:
            raise ValueError(f"q must be in (0, 1), got {self.q}")
        for name, override in self.feature_overrides.items():
            extra = set(override) - {"skip", "min_effect"}
            if extra:
                raise ValueError(f"feature_overrides[{name!r}] has unknown keys {sorted(extra)}")

    def blocks(self, kind: str) -> bool:
        return self.policy.get(kind, BLOCK) == BLOCK

    def min_effect(self, feature: str, kind: str) -> float:
        default = self.min_numeric_effect if kind == "numeric" else self.min_categorical_effect
        return self.feature_overrides.get(feature, {}).get("min_effect", default)

    def skipped(self, feature: str) -> bool:
        return bool(self.feature_overrides.get(feature, {}).get("skip", False))

    def to_json(self) -> str:
        return json.dumps(dataclasses.asdict(self), sort_keys=True)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "DriftConfig":
        if not text:
            return cls()
        values = json.loads(text)
        unknown = set(values) - {f.name for f in dataclasses.fields(cls)}
        if unknown:
            raise ValueError(f"unknown DriftValidator config keys: {sorted(unknown)}")
        return cls(**values)
