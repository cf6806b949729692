"""The Chicago taxi pipeline: the standard TFX chain on prepared taxi data, plus pluggable branches.

    ImportExampleGen(train) -> StatisticsGen -> SchemaGen (inferred, for review)
                                            -> EnvironmentExampleValidator(curated schema, TRAINING)
                            -> Trainer(curated schema) -> Evaluator(vs latest blessed model) -> Pusher
                                                          `-> (blessed) RecordHistory.blessed_model
    ImportExampleGen(serving) -> StatisticsGen -> EnvironmentExampleValidator(curated schema, SERVING)
    ImportExampleGen(feedback) -> StatisticsGen           (labelled 2015-2016 trips, for concept drift)

The curated schema (schemas/taxi/schema.pbtxt) enters through ImportSchemaGen. Branches (DriftValidator,
LabelConsistencyGen, SliceErrorAnalyzer) are functions `branch(nodes: TaxiNodes) -> list[component]`; a branch
may add a gate to `nodes.push_gates`, and the Pusher, created after the branches, runs only when all of them
hold (the DriftValidator's blessing is 1, the SliceErrorAnalyzer's is not 0).

Earlier artifacts (the latest blessed model, earlier reports) come from ledgers under `<pipeline root>/tfx_dcai_history`
(tfx_dcai.history: ReadHistory / RecordHistory), the same on LocalDagRunner and Kubeflow, which has no resolvers.
"""
import dataclasses
import os
from typing import Callable, Dict, List, Optional, Sequence

import tensorflow_data_validation as tfdv
import tensorflow_model_analysis as tfma
from tfx import v1 as tfx
from tfx.dsl.components.base.base_node import BaseNode

from tfx_dcai import gate
from tfx_dcai.environment_validator.component import EnvironmentExampleValidator
from tfx_dcai.history import ReadHistory, RecordHistory, ledger_path
from tfx_dcai.pipelines import TAXI_SCHEMA
from tfx_dcai.pipelines.taxi_data import LABEL

TRAINER_MODULE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "trainer", "taxi_trainer.py")
ACCURACY_THRESHOLD = 0.6
TRAINER_RUN_FN = "tfx_dcai.pipelines.trainer.taxi_trainer.run_fn"
HISTORY_FOLDER = "tfx_dcai_history"
MODEL_HISTORY_KEEP = 3


@dataclasses.dataclass
class TaxiNodes:
    """The standard components of the taxi pipeline, by role, for branches to connect to."""
    train_gen: BaseNode
    serving_gen: BaseNode
    feedback_gen: BaseNode
    train_stats: BaseNode
    serving_stats: BaseNode
    feedback_stats: BaseNode
    inferred_schema: BaseNode
    schema: BaseNode
    train_validator: BaseNode
    serving_validator: BaseNode
    trainer: BaseNode
    baseline_model: BaseNode  # ReadHistory of blessed models: output "history" (the candidate itself on a first run)
    evaluator: BaseNode
    record_model: BaseNode    # RecordHistory of the Trainer's model when the Evaluator blesses it
    serving_model_dir: str
    history_root: str         # where the ledgers of earlier artifacts live (tfx_dcai.history)
    trainer_code: Dict[str, str]  # the Trainer's `module_file` or `run_fn`, for a second Trainer on other data
    push_gates: list = dataclasses.field(default_factory=list)  # predicates (tfx_dcai.gate) the Pusher waits for
    pusher: Optional[BaseNode] = None                            # created by add_pusher, after the branches
    drift_monitor: Optional[BaseNode] = None                     # set by add_drift_validator (for retraining)

    def components(self) -> List[BaseNode]:
        return [getattr(self, f.name) for f in dataclasses.fields(self) if isinstance(getattr(self, f.name), BaseNode)]


def _example_gen(data_root: str, source: str, output_splits: Dict[str, int]) -> BaseNode:
    """ImportExampleGen over `<data_root>/<source>/*`, hash-split into `output_splits` (name: buckets)."""
    return tfx.components.ImportExampleGen(
        input_base=data_root,
        input_config=tfx.proto.Input(splits=[tfx.proto.Input.Split(name=source, pattern=f"{source}/*")]),
        output_config=tfx.proto.Output(split_config=tfx.proto.SplitConfig(splits=[
            tfx.proto.SplitConfig.Split(name=name, hash_buckets=buckets) for name, buckets in output_splits.items()])),
    ).with_id(f"ImportExampleGen.{source}")


def eval_config() -> tfma.EvalConfig:
    """Overall binary accuracy must reach ACCURACY_THRESHOLD and not drop below the latest blessed model's.

    The gate is on the overall slice only; the payment_type slices are reported, not gated.
    """
    accuracy_gate = tfma.PerSliceMetricThreshold(
        slicing_specs=[tfma.SlicingSpec()],
        threshold=tfma.MetricThreshold(
            value_threshold=tfma.GenericValueThreshold(lower_bound={"value": ACCURACY_THRESHOLD}),
            change_threshold=tfma.GenericChangeThreshold(
                direction=tfma.MetricDirection.HIGHER_IS_BETTER, absolute={"value": -1e-3})))
    return tfma.EvalConfig(
        model_specs=[tfma.ModelSpec(label_key=LABEL, signature_name="serving_default")],
        slicing_specs=[tfma.SlicingSpec(), tfma.SlicingSpec(feature_keys=["payment_type"])],
        metrics_specs=[tfma.MetricsSpec(metrics=[
            tfma.MetricConfig(class_name="ExampleCount"), tfma.MetricConfig(class_name="AUC"),
            tfma.MetricConfig(class_name="BinaryAccuracy", per_slice_thresholds=[accuracy_gate])])])


def stats_options() -> tfdv.StatsOptions:
    """100 quantile buckets instead of TFDV's 10: DriftValidator's KS bounds from the histograms get 10x finer."""
    return tfdv.StatsOptions(num_quantiles_histogram_buckets=100)


def history_root(pipeline_root: str) -> str:
    """The folder of the taxi pipeline's ledgers of earlier artifacts."""
    return os.path.join(pipeline_root, HISTORY_FOLDER)


def create_nodes(data_root: str, serving_model_dir: str, schema_path: str = TAXI_SCHEMA,
                 train_steps: int = 500, eval_steps: int = 50,
                 trainer_module_file: Optional[str] = TRAINER_MODULE, history_dir: Optional[str] = None) -> TaxiNodes:
    """The standard taxi components.

    Args:
      data_root: the prepared sources (pipelines/taxi_data.py).
      serving_model_dir: the Pusher's destination.
      schema_path: the curated schema.
      train_steps: the Trainer's steps.
      eval_steps: the Trainer's evaluation steps.
      trainer_module_file: None runs the installed `tfx_dcai.pipelines.trainer.taxi_trainer.run_fn` (as in the
        Kubeflow image) instead of packaging the module file.
      history_dir: the ledgers' folder (create_pipeline passes `history_root(pipeline_root)`); None puts it beside
        `serving_model_dir`.

    Returns:
      The nodes by role.
    """
    train_gen = _example_gen(data_root, "train", {"train": 3, "eval": 1})
    serving_gen = _example_gen(data_root, "serving", {"serving": 1})
    feedback_gen = _example_gen(data_root, "feedback", {"feedback": 1})
    stats = {name: tfx.components.StatisticsGen(examples=gen.outputs["examples"], stats_options=stats_options())
             .with_id(f"StatisticsGen.{name}")
             for name, gen in (("train", train_gen), ("serving", serving_gen), ("feedback", feedback_gen))}
    inferred_schema = tfx.components.SchemaGen(statistics=stats["train"].outputs["statistics"])
    schema = tfx.components.ImportSchemaGen(schema_file=schema_path)
    validators = {env: EnvironmentExampleValidator(statistics=stats[name].outputs["statistics"],
                                                   schema=schema.outputs["schema"], environment=env)
                  .with_id(f"ExampleValidator.{name}")
                  for name, env in (("train", "TRAINING"), ("serving", "SERVING"))}
    code = {"module_file": trainer_module_file} if trainer_module_file else {"run_fn": TRAINER_RUN_FN}
    trainer = tfx.components.Trainer(
        **code,
        examples=train_gen.outputs["examples"], schema=schema.outputs["schema"],
        train_args=tfx.proto.TrainArgs(num_steps=train_steps), eval_args=tfx.proto.EvalArgs(num_steps=eval_steps))
    history_dir = history_dir or os.path.join(os.path.dirname(serving_model_dir.rstrip("/")), HISTORY_FOLDER)
    model_ledger = ledger_path(history_dir, "Trainer", "model")
    baseline_model = ReadHistory(tfx.types.standard_artifacts.Model, model_ledger, max_entries=1,
                                 default=trainer.outputs["model"]).with_id("latest_blessed_model")
    evaluator = tfx.components.Evaluator(
        examples=train_gen.outputs["examples"], model=trainer.outputs["model"],
        baseline_model=baseline_model.outputs["history"], eval_config=eval_config())
    with tfx.dsl.Cond(evaluator.outputs["blessing"].future()[0].custom_property("blessed") == 1):
        record_model = RecordHistory(trainer.outputs["model"], model_ledger, keep=MODEL_HISTORY_KEEP
                                     ).with_id("RecordHistory.blessed_model")
    return TaxiNodes(train_gen=train_gen, serving_gen=serving_gen, feedback_gen=feedback_gen,
                     train_stats=stats["train"], serving_stats=stats["serving"], feedback_stats=stats["feedback"],
                     inferred_schema=inferred_schema, schema=schema, train_validator=validators["TRAINING"],
                     serving_validator=validators["SERVING"], trainer=trainer, baseline_model=baseline_model,
                     evaluator=evaluator, record_model=record_model, serving_model_dir=serving_model_dir,
                     history_root=history_dir, trainer_code=code)


def add_pusher(nodes: TaxiNodes) -> BaseNode:
    """The Pusher of the Trainer's model: it needs the Evaluator's blessing, and runs only when every gate the
    branches added to `nodes.push_gates` holds (tfx.dsl.Cond on their blessings; tfx_dcai.gate)."""
    def pusher():
        return tfx.components.Pusher(
            model=nodes.trainer.outputs["model"], model_blessing=nodes.evaluator.outputs["blessing"],
            push_destination=tfx.proto.PushDestination(
                filesystem=tfx.proto.PushDestination.Filesystem(base_directory=nodes.serving_model_dir)))
    if nodes.push_gates:
        with tfx.dsl.Cond(gate.all_of(*nodes.push_gates)):
            nodes.pusher = pusher()
    else:
        nodes.pusher = pusher()
    return nodes.pusher


Branch = Callable[[TaxiNodes], Sequence[BaseNode]]


def default_branches(label_instructions: str = "v2", history: bool = True, retraining: bool = True) -> List[Branch]:
    """The tfx-dcai components wired into the taxi pipeline (each in its own pipelines/*_branch.py).

    Args:
      label_instructions: the simulated annotation sample: "v1" (ambiguous instructions: the LabelConsistencyGen
        blocks and the consensus Trainer is skipped) or "v2" (revised: it passes).
      history: False drops the ledgers of earlier reports (DriftValidator's history, LabelConsistencyGen's
        before/after).
      retraining: retrain on the labelled feedback when the DriftValidator blocks (pipelines/retraining_branch.py).

    Returns:
      The branch functions.
    """
    from tfx_dcai.pipelines.drift_validator_branch import add_drift_validator
    from tfx_dcai.pipelines.label_consistency_branch import add_label_consistency
    from tfx_dcai.pipelines.retraining_branch import add_feedback_retraining
    from tfx_dcai.pipelines.slice_error_analyzer_branch import add_slice_error_analyzer

    branches = [lambda nodes: add_label_consistency(nodes, instructions_version=label_instructions,
                                                    with_history=history),
                add_slice_error_analyzer, lambda nodes: add_drift_validator(nodes, with_history=history)]
    return branches + ([add_feedback_retraining] if retraining else [])


def create_pipeline(pipeline_name: str, pipeline_root: str, data_root: str, serving_model_dir: str,
                    metadata_connection_config=None, beam_pipeline_args: Optional[List[str]] = None,
                    enable_cache: bool = True, branches: Optional[Sequence[Branch]] = None,
                    schema_path: str = TAXI_SCHEMA, train_steps: int = 500, eval_steps: int = 50,
                    trainer_module_file: Optional[str] = TRAINER_MODULE) -> tfx.dsl.Pipeline:
    """The taxi pipeline. `metadata_connection_config` None lets the runner choose (Kubeflow does); the ledgers of
    earlier artifacts are under `history_root(pipeline_root)`."""
    nodes = create_nodes(data_root, serving_model_dir, schema_path, train_steps, eval_steps, trainer_module_file,
                         history_dir=history_root(pipeline_root))
    components = nodes.components()
    for branch in default_branches() if branches is None else branches:
        components.extend(branch(nodes))
    components.append(add_pusher(nodes))
    return tfx.dsl.Pipeline(
        pipeline_name=pipeline_name, pipeline_root=pipeline_root, components=components,
        enable_cache=enable_cache, metadata_connection_config=metadata_connection_config,
        beam_pipeline_args=beam_pipeline_args or [])
