"""The parameters shared by the component, the CLI and the Beam transforms."""
import dataclasses

from tfx_dcai.label_consistency.agreement import LEVELS
from tfx_dcai.label_consistency.consensus import METHODS
from tfx_dcai.label_consistency.items import BadInputError
from tfx_dcai.label_consistency.summary import Thresholds
from tfx_dcai.label_consistency.transcripts import RULES

KINDS = ("class", "text", "bbox")
WEIGHTS = (None, "linear", "quadratic")


@dataclasses.dataclass(frozen=True)
class LabelConsistencyConfig:
    item_column: str = "item_id"
    annotator_column: str = "annotator_id"
    label_column: str = "label"
    level: str = "nominal"
    kind: str = "class"
    consensus: str = "majority"
    thresholds: Thresholds = Thresholds()
    weights: str = None
    label_domain: tuple = None
    instructions_version: str = ""
    n_bootstrap: int = 1000
    seed: int = 0
    min_confidence: float = 0.0
    max_dawid_skene_items: int = 100_000
    max_report_consensus: int = 1000
    n_buckets: int = 64  # hash buckets (Beam elements) of items; the executor and CLI size it: buckets.bucket_count
    text_normalisation: tuple = ("whitespace",)
    match_iou: float = 0.5

    def __post_init__(self):
        for name, value, allowed in (("level", self.level, LEVELS), ("kind", self.kind, KINDS),
                                     ("consensus", self.consensus, METHODS), ("weights", self.weights, WEIGHTS)):
            if value not in allowed:
                raise BadInputError(f"{name} must be one of {allowed}, got {value!r}")
        unknown = [r for r in self.text_normalisation if r not in RULES]
        if unknown:
            raise BadInputError(f"unknown text normalisation rules {unknown}; known: {sorted(RULES)}")
        if self.kind != "class" and (self.consensus != "majority" or self.level != "nominal"):
            raise BadInputError(f"kind {self.kind!r} takes a medoid as consensus: use consensus 'majority' "
                                "and level 'nominal'")
        columns = (self.item_column, self.annotator_column, self.label_column)
        if len(set(columns)) < 3:
            raise BadInputError(f"item, annotator and label columns must differ, got {columns}")

    @property
    def label_columns(self) -> tuple:
        return (self.annotator_column, self.label_column)

    def to_dict(self) -> dict:
        out = dataclasses.asdict(self)
        out["label_domain"] = list(self.label_domain) if self.label_domain is not None else None
        out["text_normalisation"] = list(self.text_normalisation)
        return out

    @classmethod
    def from_dict(cls, values: dict) -> "LabelConsistencyConfig":
        values = dict(values)
        if isinstance(values.get("thresholds"), dict):
            values["thresholds"] = Thresholds(**values["thresholds"])
        if values.get("text_normalisation") is not None:
            values["text_normalisation"] = tuple(values["text_normalisation"])
        if values.get("label_domain") is not None:
            values["label_domain"] = tuple(values["label_domain"])
        return cls(**values)
