"""The taxi pipeline's monitoring branch: serving (2015-16) vs training (2013-14) data, and concept drift.

    StatisticsGen.serving --+                      ImportSchemaGen (curated schema, SERVING environment)
    StatisticsGen.train ----+--> DriftValidator <-- ImportExampleGen.serving / .train (bounded samples)
    ImportExampleGen.feedback + Trainer.model ----^  (concept drift vs the train_gen eval split)
    ReadHistory(latest DriftReports of this node) ^  (history, from a ledger under the pipeline root)
                    --> anomalies (ExampleAnomalies), drift_report, blessing (DriftBlessing)
    DriftValidator.drift_report -> RecordHistory (the ledger the next run reads)

With `with_control`, a second DriftValidator compares the two random hash splits of the training data
(eval vs train, TRAINING environment): no shift, so its blessing must be 1.
"""
from typing import List

from tfx_dcai import gate
from tfx_dcai.artifacts import DriftReport
from tfx_dcai.drift_validator.component import DriftValidator
from tfx_dcai.drift_validator.config import DriftConfig
from tfx_dcai.history import ReadHistory, RecordHistory, ledger_path
from tfx_dcai.pipelines.taxi_data import LABEL

HISTORY_RUNS = 10
MONITOR_ID = "DriftValidator"
CONTROL_ID = "DriftValidator.control"


def add_drift_validator(nodes, with_control: bool = True, with_history: bool = True,
                        config: DriftConfig = None) -> List:
    """[history reader, DriftValidator (serving vs train + concept drift), history recorder, optional control]."""
    config = config or DriftConfig(label_key=LABEL)
    ledger = ledger_path(nodes.history_root, MONITOR_ID, "drift_report")
    history = ReadHistory(DriftReport, ledger, max_entries=HISTORY_RUNS,
                          triggers=[nodes.serving_stats.outputs["statistics"], nodes.trainer.outputs["model"]]
                          ).with_id(f"{MONITOR_ID}.history") if with_history else None
    monitor = DriftValidator(
        statistics=nodes.serving_stats.outputs["statistics"],
        baseline_statistics=nodes.train_stats.outputs["statistics"],
        schema=nodes.schema.outputs["schema"], examples=nodes.serving_gen.outputs["examples"],
        baseline_examples=nodes.train_gen.outputs["examples"], model=nodes.trainer.outputs["model"],
        feedback_examples=nodes.feedback_gen.outputs["examples"],
        previous_reports=history.outputs["history"] if history else None, config=config,
        current_split="serving", baseline_split="train", evaluation_split="eval", feedback_split="feedback",
    ).with_id(MONITOR_ID)
    nodes.push_gates.append(gate.blessed(monitor.outputs["blessing"]))  # a drifted model is not pushed
    nodes.drift_monitor = monitor
    components = ([history] if history else []) + [monitor]
    if with_history:
        components.append(RecordHistory(monitor.outputs["drift_report"], ledger, keep=HISTORY_RUNS
                                        ).with_id(f"{MONITOR_ID}.record_report"))
    if with_control:
        control_config = DriftConfig(**{**config.__dict__, "environment": "TRAINING"})
        components.append(DriftValidator(
            statistics=nodes.train_stats.outputs["statistics"],
            baseline_statistics=nodes.train_stats.outputs["statistics"], schema=nodes.schema.outputs["schema"],
            examples=nodes.train_gen.outputs["examples"], baseline_examples=nodes.train_gen.outputs["examples"],
            config=control_config, current_split="eval", baseline_split="train").with_id(CONTROL_ID))
    return components
