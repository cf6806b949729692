"""Parameters of a slice analysis, with their documented defaults."""
import dataclasses
import math
from typing import Optional, Sequence, Tuple

from tfx_dcai.slice_error_analyzer.errors import SliceInputError, check_metric
from tfx_dcai.slice_error_analyzer.sliceline import SliceLineParams

RANKINGS = ("default", "sliceline")


@dataclasses.dataclass(frozen=True)
class SliceConfig:
    """label/prediction columns, metric, search and test parameters (see docs/slice_error_analyzer.md)."""
    label: str
    prediction: str = "prediction"
    metric: str = "error_rate"
    include: Tuple[str, ...] = ()
    exclude: Tuple[str, ...] = ()
    max_level: int = 3
    min_support: Optional[int] = None  # None: max(32, ceil(n / 100))
    alpha: float = 0.95
    k: int = 10
    q: float = 0.05
    num_bins: int = 10
    max_values: int = 20
    ranking: str = "default"
    max_slices: int = 50

    def __post_init__(self):
        check_metric(self.metric)
        if self.ranking not in RANKINGS:
            raise SliceInputError(f"unknown ranking {self.ranking!r}: choose one of {', '.join(RANKINGS)}")
        if not 0 < self.q < 1:
            raise SliceInputError(f"q must be in (0, 1), got {self.q}")
        if self.num_bins < 2 or self.max_values < 1 or self.max_slices < 1:
            raise SliceInputError("num_bins must be >= 2, max_values and max_slices >= 1")
        if self.min_support is not None and self.min_support < 1:
            raise SliceInputError(f"min_support must be >= 1, got {self.min_support}")
        SliceLineParams(self.alpha, self.k, self.max_level, 1)  # validates alpha, k, max_level

    def min_support_for(self, n: int) -> int:
        return self.min_support if self.min_support is not None else max(32, math.ceil(n / 100))

    def search_params(self, n: int) -> SliceLineParams:
        return SliceLineParams(self.alpha, self.k, self.max_level, self.min_support_for(n))

    def features_from(self, names: Sequence[str], reserved: Sequence[str] = ()) -> Tuple[str, ...]:
        """Features to slice: `include` (or every column) minus `exclude`, the label and prediction columns."""
        unknown = [f for f in self.include + self.exclude if f not in names]
        if unknown:
            raise SliceInputError(f"feature(s) {', '.join(map(repr, unknown))} not in the examples "
                                  f"(columns: {', '.join(names)})")
        skip = set(self.exclude) | {self.label, self.prediction} | set(reserved)
        chosen = tuple(f for f in (self.include or names) if f not in skip)
        if not chosen:
            raise SliceInputError("no feature left to slice: check include/exclude and the label/prediction columns")
        return chosen
