"""SliceErrorAnalyzer: slices where a model is significantly worse, what to do about them, and what data to get.

Layers (each module's docstring says what it computes):
- pure statistics, no Beam or TensorFlow: `sliceline` (the lattice search), `significance` (exact and Welch
  tests, intervals), `slice_metrics` (metrics per task), `encoding` (feature codes), `row_losses` (labels and
  predictions -> per-row losses), `passes` (the per-batch steps), `analysis` (tests, BH, nesting, ranking, gate),
  `diagnosis`, `selection` (targeted data), `report`, `slicing_specs`, `in_memory` (the passes in a loop);
- Beam transforms: `beam_sliceline` (the passes in Beam), `beam_model_scoring` (a SavedModel in a DoFn),
  `beam_selection` (the pool pass);
- TFX and user glue: `component`, `executor`, `cli` (`dcai slices`), `api` (`find_slices`, `select_from_pool`),
  `config` (SliceConfig), `exceptions` (SliceInputError).

Names are resolved lazily so importing this package stays cheap.
"""
import importlib

_EXPORTS = {"find_slices": "tfx_dcai.slice_error_analyzer.api",
            "select_from_pool": "tfx_dcai.slice_error_analyzer.api",
            "SliceConfig": "tfx_dcai.slice_error_analyzer.config",
            "SliceInputError": "tfx_dcai.slice_error_analyzer.exceptions"}

__all__ = sorted(_EXPORTS)


def __getattr__(name):
    if name not in _EXPORTS:
        raise AttributeError(f"module 'tfx_dcai.slice_error_analyzer' has no attribute {name!r}")
    return getattr(importlib.import_module(_EXPORTS[name]), name)
