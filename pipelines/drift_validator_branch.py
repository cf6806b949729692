"""The taxi pipeline's monitoring branch: serving (2015-16) vs training (2013-14) data, and concept drift.

    StatisticsGen.serving --+                      ImportSchemaGen (curated schema, SERVING environment)
    StatisticsGen.train ----+--> DriftValidator <-- ImportExampleGen.serving / .train (bounded samples)
    ImportExampleGen.feedback + Trainer.model ----^  (concept drift vs the train_gen eval split)
    Resolver(latest DriftReports of this node) ---^  (history)
                    --> anomalies (ExampleAnomalies), drift_report, blessing (DriftBlessing)

With `with_control`, a second DriftValidator compares the two random hash splits of the training data
(eval vs train, TRAINING environment): no shift, so its blessing must be 1.
"""
from typing import List

from tfx import v1 as tfx

from tfx_dcai import gate
from tfx_dcai.artifacts import DriftReport
from tfx_dcai.drift_validator.component import DriftValidator
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.history import LatestUpToStrategy
from tfx_dcai.pipelines.taxi_data import LABEL

HISTORY_RUNS = 10
MONITOR_ID = "DriftValidator"
CONTROL_ID = "DriftValidator.control"


def _history(node_id: str):
    return tfx.dsl.Resolver(
        strategy_class=LatestUpToStrategy, config={"max_artifacts": HISTORY_RUNS},
        reports=tfx.dsl.Channel(type=DriftReport, producer_component_id=node_id, output_key="drift_report"),
    ).with_id(f"{node_id}.history")


def add_drift_validator(nodes, with_control: bool = True, with_history: bool = True,
                        config: DriftConfig = None) -> List:
    """[history resolver, DriftValidator (serving vs train + concept drift), optional control]."""
    config = config or DriftConfig(label_key=LABEL)
    history = _history(MONITOR_ID) if with_history else None
    monitor = DriftValidator(
        statistics=nodes.serving_stats.outputs["statistics"], baseline_statistics=nodes.train_stats.outputs["statistics"],
        schema=nodes.schema.outputs["schema"], examples=nodes.serving_gen.outputs["examples"],
        baseline_examples=nodes.train_gen.outputs["examples"], model=nodes.trainer.outputs["model"],
        feedback_examples=nodes.feedback_gen.outputs["examples"],
        previous_reports=history.outputs["reports"] if history else None, config=config,
        current_split="serving", baseline_split="train", evaluation_split="eval", feedback_split="feedback",
    ).with_id(MONITOR_ID)
    nodes.push_gates.append(gate.blessed(monitor.outputs["blessing"]))  # a drifted model is not pushed
    components = ([history] if history else []) + [monitor]
    if with_control:
        control_config = DriftConfig(**{**config.__dict__, "environment": "TRAINING"})
        components.append(DriftValidator(
            statistics=nodes.train_stats.outputs["statistics"],
            baseline_statistics=nodes.train_stats.outputs["statistics"], schema=nodes.schema.outputs["schema"],
            examples=nodes.train_gen.outputs["examples"], baseline_examples=nodes.train_gen.outputs["examples"],
            config=control_config, current_split="eval", baseline_split="train").with_id(CONTROL_ID))
    return components
