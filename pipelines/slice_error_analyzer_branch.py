"""The taxi pipeline's slice-error branch: after the Trainer, find the eval slices where the model is worse.

    ImportExampleGen.train (split eval) --+
    Trainer.model -------------------------+--> SliceErrorAnalyzer --> slice_report, blessing, slicing_specs
    StatisticsGen.train (eval quantiles for the bins, train shares for the diagnosis) --+
    ReadHistory(latest blessed model) ----> baseline_model (the gate; none on a first run)

`tips` is excluded: the label is computed from it.
"""
from typing import List

from tfx_dcai import gate
from tfx_dcai.slice_error_analyzer.component import SliceErrorAnalyzer
from tfx_dcai.slice_error_analyzer.config import SliceConfig
from tfx_dcai.pipelines.taxi_data import LABEL

EXCLUDED_FEATURES = ("tips",)


def add_slice_error_analyzer(nodes, with_baseline: bool = True, pool=None, **fields) -> List:
    """[SliceErrorAnalyzer] on the eval split with the Trainer's model.

    Args:
      nodes: the taxi pipeline's TaxiNodes.
      with_baseline: compare with the latest blessed model (the gate).
      pool: unlabelled Examples to choose rows from (give `budget` too).
      **fields: SliceConfig fields (e.g. ranking="sliceline", k=5, budget=200).

    Returns:
      The one-component list.
    """
    config = SliceConfig(label_key=LABEL, split="eval", exclude_features=EXCLUDED_FEATURES)
    analyzer = SliceErrorAnalyzer(
        examples=nodes.train_gen.outputs["examples"], schema=nodes.schema.outputs["schema"], config=config,
        model=nodes.trainer.outputs["model"],
        baseline_model=nodes.baseline_model.outputs["history"] if with_baseline else None,
        statistics=nodes.train_stats.outputs["statistics"],  # eval split: bins; train split: training shares
        pool=pool, **fields)
    # a slice that regressed against the last blessed model blocks the push; no baseline yet (2) does not
    nodes.push_gates.append(gate.blessed(analyzer.outputs["blessing"], allow_no_baseline=True))
    return [analyzer]
