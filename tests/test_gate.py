"""The push gate: a Pusher inside tfx.dsl.Cond on tfx-dcai blessings runs only when they pass (LocalDagRunner,
real MLMD), and the compiled taxi pipeline carries the condition."""
import os

import pytest
from tfx import v1 as tfx
from tfx.dsl.component.experimental.annotations import OutputArtifact, Parameter
from tfx.dsl.component.experimental.decorators import component

from tfx_dcai import gate
from tfx_dcai.artifacts import DriftBlessing, SliceBlessing, set_blessed


@component
def FakeDriftValidator(blessing: OutputArtifact[DriftBlessing], blessed: Parameter[int] = 1):
    """Stands in for a validator: writes a DriftBlessing with the given verdict (the gate only reads that)."""
    set_blessed(blessing, blessed)


@component
def FakeSliceAnalyzer(blessing: OutputArtifact[SliceBlessing], blessed: Parameter[int] = 2):
    set_blessed(blessing, blessed)


@component
def Marker(marker: OutputArtifact[tfx.types.standard_artifacts.String]):
    """A downstream node: its output exists only if it ran."""
    marker.value = "ran"


def _run(tmp_path, drift_blessed: int, slice_blessed: int) -> bool:
    drift = FakeDriftValidator(blessed=drift_blessed)
    slices = FakeSliceAnalyzer(blessed=slice_blessed)
    with tfx.dsl.Cond(gate.all_of(gate.blessed(drift.outputs["blessing"]),
                                  gate.blessed(slices.outputs["blessing"], allow_no_baseline=True))):
        marker = Marker()
    root = str(tmp_path / f"root-{drift_blessed}-{slice_blessed}")
    pipeline = tfx.dsl.Pipeline(
        pipeline_name="gate", pipeline_root=root, components=[drift, slices, marker],
        metadata_connection_config=tfx.orchestration.metadata.sqlite_metadata_connection_config(
            os.path.join(root, "mlmd.sqlite")))
    tfx.orchestration.LocalDagRunner().run(pipeline)
    return os.path.isdir(os.path.join(root, "Marker"))


@pytest.mark.parametrize("drift,slices,runs", [(1, 2, True), (0, 2, False), (1, 0, False)])
def test_the_downstream_node_runs_only_when_the_chosen_blessings_pass(tmp_path, drift, slices, runs):
    assert _run(tmp_path, drift, slices) == runs


def test_the_taxi_pipeline_gates_its_pusher_on_the_drift_and_slice_blessings(tmp_path):
    from tfx.dsl.compiler import compiler

    from tfx_dcai.pipelines.taxi_pipeline import create_pipeline

    pipeline = create_pipeline("p", str(tmp_path / "root"), str(tmp_path / "data"), str(tmp_path / "serving"))
    ir = compiler.Compiler().compile(pipeline)
    pusher = next(n.pipeline_node for n in ir.nodes if n.pipeline_node.node_info.id == "Pusher")
    assert len(pusher.inputs.conditionals) == 1
    condition = str(next(iter(pusher.inputs.conditionals.values())))
    producers = {key: [c.producer_node_query.id for c in spec.channels] for key, spec in pusher.inputs.inputs.items()}
    gated_on = sorted(p for key, ids in producers.items() if f'key: "{key}"' in condition for p in ids)
    assert gated_on == ["DriftValidator", "SliceErrorAnalyzer"]
    assert condition.count('key: "blessed"') == 2
