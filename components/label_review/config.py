"""LabelErrorQueue / `dcai label-errors` configuration (tfx_dcai.configs convention)."""
import dataclasses
from typing import Optional, Tuple

from tfx_dcai import configs, predictions
from tfx_dcai.configs import option
from tfx_dcai.errors import InputError


@dataclasses.dataclass(frozen=True)
class LabelErrorsConfig:
    """How label errors are found and queued for review (docs/label_review.md: the table of fields)."""
    label_column: str = option("label", help="column holding the given label")
    id_column: Optional[str] = option(None, help="column holding the example id, written back as it is (default: "
                                                 "a hash of the example's values)")
    prediction_column: Optional[str] = option(
        None, help="out-of-sample predictions instead of the built-in model: P = p(positive class) (binary), else "
                   "columns P_<label> (one probability per class)")
    output_key: Optional[str] = predictions.output_key_option()
    class_labels: Tuple[str, ...] = predictions.class_labels_option()
    features: Optional[Tuple[str, ...]] = option(
        None, metavar="F,...", help="features of the built-in model (default: the schema's, else every column but "
                                    "label, id and predictions)")
    n_folds: int = option(5, help="folds of the built-in model's out-of-sample probabilities")
    seed: int = option(0, help="seed of the folds and of the estimate's bootstrap")
    max_listed: int = option(50, help="suspects listed in the JSON/HTML report (label_errors.csv holds every example)")
    review_budget: Optional[int] = option(
        None, help="examples queued for review (default: the estimated number of label errors, rounded)")

    def __post_init__(self):
        if not self.label_column:
            raise InputError("label_column must be named")
        for name, low in (("n_folds", 2), ("max_listed", 0)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < low:
                raise InputError(f"{name} must be an integer >= {low}, got {value!r}")
        if self.review_budget is not None and (not isinstance(self.review_budget, int) or self.review_budget < 0):
            raise InputError(f"review_budget must be an integer >= 0, got {self.review_budget!r}")
        if self.id_column is not None and self.id_column == self.label_column:
            raise InputError("id_column and label_column must differ")

    def to_json(self) -> str:
        """Canonical JSON (the component's `config` parameter)."""
        return configs.to_json(self)

    @classmethod
    def from_json(cls, text: Optional[str]) -> "LabelErrorsConfig":
        """The config from its JSON text; unknown keys and bad values raise InputError naming them."""
        return configs.from_json(cls, text, "label errors config")

    def examples_config(self, schema=None, model_dir: Optional[str] = None):
        """The label_consistency.beam_examples.ExamplesConfig of these settings (the one mapping)."""
        from tfx_dcai.label_consistency.beam_examples import ExamplesConfig
        from tfx_dcai.label_consistency.schema_features import feature_kinds
        from tfx_dcai.predictions import is_prediction_column

        kinds = None
        if schema is not None:
            kinds = feature_kinds(schema, exclude=[
                f.name for f in schema.feature if f.name in (self.label_column, self.id_column)
                or is_prediction_column(f.name, self.prediction_column)])
        return ExamplesConfig(label_column=self.label_column, id_column=self.id_column, features=self.features,
                              n_folds=self.n_folds, prediction_column=self.prediction_column, feature_kinds=kinds,
                              model_dir=model_dir, output_key=self.output_key,
                              class_labels=tuple(self.class_labels), seed=self.seed)
