"""LabelConsistencyGen configuration: one typed config (tfx_dcai.configs convention) with documented defaults.

The component takes it as its one `config` parameter (a LabelConsistencyConfig or a dict of its fields; the
documented keyword arguments such as `item_column=` fill it too); `dcai agreement` generates its flags from the
fields; the executor reads it back with `LabelConsistencyConfig.from_json`. The mapping from names to fields is
this class and nothing else. docs/label_consistency.md has the table of fields.
"""
import dataclasses
import functools
import math
from typing import Dict, Optional, Tuple

from tfx_dcai import configs, predictions
from tfx_dcai.configs import option
from tfx_dcai.errors import InputError

LEVELS = ("nominal", "ordinal", "interval", "ratio")
KINDS = ("class", "text", "bbox")
METHODS = ("majority", "dawid_skene")
WEIGHTS = ("linear", "quadratic")
TEXT_RULES = ("whitespace", "case", "punctuation", "fillers")
DEFAULT_SPLITS = {"train": 4, "eval": 1}


@dataclasses.dataclass(frozen=True)
class Thresholds:
    """The verdict's thresholds.

    Attributes:
      min_alpha: Krippendorff's alpha the run needs (0.8: Krippendorff's "reliable data").
      min_class_agreement: per-class specific agreement a class needs.
      min_class_kappa: per-class kappa a class needs (0.6: "substantial", Landis & Koch 1977).
    """
    min_alpha: float = 0.8
    min_class_agreement: float = 0.8
    min_class_kappa: float = 0.6


def _default_splits() -> Dict[str, int]:
    return dict(DEFAULT_SPLITS)


@dataclasses.dataclass(frozen=True)
class LabelConsistencyConfig:
    """How LabelConsistencyGen reads annotations and decides (docs/label_consistency.md: the table of fields).

    Invalid values raise InputError when the config is built, so a pipeline with a bad parameter fails when it is
    constructed, not after the upstream components have run.
    """
    item_column: str = option("item_id", help="column holding the item id (kept as text, never cast)")
    annotator_column: str = option("annotator_id", help="column holding the annotator id")
    label_column: str = option("label", help="column holding the label")
    level: str = option("nominal", choices=LEVELS, help="Krippendorff's level of measurement of the labels")
    kind: str = option("class", choices=KINDS,
                       help="class labels, transcripts (text), or boxes (bbox: one 'x1 y1 x2 y2 [class]' per row)")
    consensus: str = option("majority", choices=METHODS, help="consensus of class labels: majority vote or "
                                                              "Dawid-Skene EM (text and boxes: a medoid)")
    weights: Optional[str] = option(None, choices=WEIGHTS,
                                    help="weights of the pairwise Cohen's kappa (default: unweighted)")
    min_alpha: float = option(0.8, help="Krippendorff's alpha the run needs to be CONSISTENT")
    min_class_agreement: float = option(0.8, help="per-class specific agreement each class needs")
    min_class_kappa: float = option(0.6, help="per-class kappa each class needs")
    label_domain: Optional[Tuple[str, ...]] = option(
        None, metavar="A,B,...", help="allowed labels (compared as text: 1 and '1' are the same label); rows with "
                                      "other labels are dropped and flagged unknown_label")
    instructions_version: str = option("", help="names the labelling instructions the sample was made under")
    n_bootstrap: int = option(1000, help="bootstrap resamples of alpha's confidence interval (0: no interval)")
    seed: int = option(0, help="seed of the bootstrap and of the built-in model's folds")
    min_confidence: float = option(0.0, help="consensus rows below this confidence get the flag low_confidence")
    max_dawid_skene_items: int = option(100_000, help="items in the deterministic sample Dawid-Skene is fitted on")
    max_report_consensus: int = option(1000, help="consensus rows listed in the JSON report (all are in the "
                                                  "consensus output)")
    max_classes: int = option(200, help="distinct labels beyond which the label column is treated as free text: "
                                        "agreement by exact match, without per-class statistics (memory bounded "
                                        "by rows, not by labels squared)")
    n_buckets: Optional[int] = option(None, help="hash buckets (Beam elements) of items (default: one per MiB of "
                                                 "annotations, at most 64)")
    text_normalisation: Tuple[str, ...] = option(
        ("whitespace",), metavar="RULE,...",
        help="rules applied before comparing transcripts (kind text): " + ",".join(TEXT_RULES))
    match_iou: float = option(0.5, help="IoU two boxes need to match (kind bbox)")
    consensus_splits: Dict[str, int] = option(
        default_factory=_default_splits, metavar="JSON", cli=False,
        help="splits of the component's consensus_examples as {split: hash buckets} (the CLI writes one "
             "consensus.csv)")
    example_label_column: Optional[str] = option(None, help="label column of the single-labelled examples "
                                                            "(default: the label column)")
    example_id_column: Optional[str] = option(None, help="id column of the examples (default: a hash of the row)")
    example_features: Optional[Tuple[str, ...]] = option(
        None, metavar="F,...", help="features of the examples used for conflicts and the built-in model (default: "
                                    "the schema's, else every column but label, id and predictions)")
    prediction_column: Optional[str] = option(
        None, help="out-of-sample predictions in the examples instead of the built-in model: P = p(positive class) "
                   "(binary), else columns P_<label> (one probability per class)")
    output_key: Optional[str] = predictions.output_key_option()
    class_labels: Tuple[str, ...] = predictions.class_labels_option()
    n_folds: int = option(5, help="folds of the built-in model's out-of-sample probabilities")
    max_sample: int = option(20_000, help="examples (a deterministic sample) confident learning runs on")
    n_bins: int = option(10, help="quantile bins per numeric feature in the X->y conflict keys")

    def __post_init__(self):
        for name in ("level", "kind", "consensus"):
            allowed = dataclasses.fields(self)[[f.name for f in dataclasses.fields(self)].index(name)].metadata[
                "choices"]
            if getattr(self, name) not in allowed:
                raise InputError(f"{name} must be one of {allowed}, got {getattr(self, name)!r}")
        if self.weights not in (None, *WEIGHTS):
            raise InputError(f"weights must be none, 'linear' or 'quadratic', got {self.weights!r}")
        unknown = [r for r in self.text_normalisation if r not in TEXT_RULES]
        if unknown:
            raise InputError(f"unknown text normalisation rules {unknown}; known: {list(TEXT_RULES)}")
        if self.kind != "class" and (self.consensus != "majority" or self.level != "nominal"):
            raise InputError(f"kind {self.kind!r} takes a medoid as consensus: use consensus 'majority' and "
                             "level 'nominal'")
        columns = (self.item_column, self.annotator_column, self.label_column)
        if len(set(columns)) < 3 or not all(columns):
            raise InputError(f"item, annotator and label columns must be named and differ, got {list(columns)}")
        for name in ("min_alpha", "min_class_agreement", "min_confidence", "match_iou"):
            value = getattr(self, name)
            if not isinstance(value, (int, float)) or not math.isfinite(value) or not 0 <= value <= 1:
                raise InputError(f"{name} must be a number in [0, 1], got {value!r}")
        if not isinstance(self.min_class_kappa, (int, float)) or not -1 <= self.min_class_kappa <= 1:
            raise InputError(f"min_class_kappa must be a number in [-1, 1], got {self.min_class_kappa!r}")
        for name, low in (("n_bootstrap", 0), ("max_dawid_skene_items", 1), ("max_report_consensus", 0),
                          ("max_classes", 2), ("n_folds", 2), ("max_sample", 2), ("n_bins", 1)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
        if self.n_buckets is not None and (not isinstance(self.n_buckets, int) or self.n_buckets < 1):
            raise InputError(f"n_buckets must be an integer >= 1, got {self.n_buckets!r}")
        if not self.consensus_splits or any(not isinstance(v, int) or isinstance(v, bool) or v < 1
                                            for v in self.consensus_splits.values()):
            raise InputError(f"consensus_splits must map split names to hash buckets >= 1, got "
                             f"{self.consensus_splits!r}")
        if self.label_domain is not None and not self.label_domain:
            raise InputError("label_domain must list at least one label (or be left out)")

    @property
    def thresholds(self) -> Thresholds:
        """The verdict's thresholds."""
        return Thresholds(self.min_alpha, self.min_class_agreement, self.min_class_kappa)

    @property
    def label_columns(self) -> tuple:
        """The columns that carry a label rather than an item feature."""
        return (self.annotator_column, self.label_column)

    @functools.cached_property
    def domain_texts(self) -> Optional[frozenset]:
        """The label domain as texts (predictions.label_text), or None when no domain is declared."""
        from tfx_dcai.predictions import label_text

        return None if self.label_domain is None else frozenset(label_text(v) for v in self.label_domain)

    def to_json(self) -> str:
        """Canonical JSON of the config (what the component stores as its `config` parameter)."""
        return configs.to_json(self)

    def to_dict(self) -> dict:
        """The fields as a JSON-ready dict."""
        return configs.to_dict(self)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "LabelConsistencyConfig":
        """The config from its JSON text; unknown keys and bad values raise InputError naming them."""
        return configs.from_json(cls, text, "LabelConsistencyGen config")

    @classmethod
    def from_dict(cls, values: Optional[dict]) -> "LabelConsistencyConfig":
        """The config from a dict of fields; `thresholds` (a Thresholds or a dict) fills the three thresholds."""
        return configs.from_dict(cls, with_thresholds(values), "LabelConsistencyGen config")


def with_thresholds(values: Optional[dict]) -> dict:
    """`values` with a `thresholds` entry (Thresholds or dict) spread into min_alpha, min_class_agreement and
    min_class_kappa."""
    values = dict(values or {})
    thresholds = values.pop("thresholds", None)
    if thresholds is not None:
        if isinstance(thresholds, Thresholds):
            thresholds = dataclasses.asdict(thresholds)
        if not isinstance(thresholds, dict):
            raise InputError(f"thresholds must be a Thresholds or a dict, got {type(thresholds).__name__}")
        unknown = sorted(set(thresholds) - {"min_alpha", "min_class_agreement", "min_class_kappa"})
        if unknown:
            raise InputError(f"thresholds: unknown key(s) {unknown}")
        values.update(thresholds)
    return values


def coerce(config=None, **fields) -> LabelConsistencyConfig:
    """A LabelConsistencyConfig from a config, a dict of fields, JSON text or None, with `fields` (the documented
    keyword arguments; None values are left out) applied on top.

    Raises:
      InputError: an unknown field or an invalid value.
    """
    if isinstance(config, dict):
        config = LabelConsistencyConfig.from_dict(config)
    config = configs.coerce(LabelConsistencyConfig, config, "LabelConsistencyGen config")
    fields = with_thresholds({k: v for k, v in fields.items() if v is not None})
    for name in ("label_domain", "text_normalisation", "example_features"):
        if isinstance(fields.get(name), (list, set, frozenset)):
            fields[name] = tuple(fields[name])
    return configs.replace(config, "LabelConsistencyGen config", **fields)
