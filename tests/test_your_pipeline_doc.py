"""docs/your_pipeline.md's code blocks, executed in order: the pipeline they build compiles, with its Pusher gated
on the DriftValidator's and SliceErrorAnalyzer's blessings. (The penguin pipeline they excerpt runs end to end in
tests/test_penguin_pipeline_e2e.py.)"""
import os
import re

from tests.paths import REPO_ROOT


def _code_blocks():
    with open(os.path.join(REPO_ROOT, "docs", "your_pipeline.md"), encoding="utf-8") as f:
        return re.findall(r"```python\n(.*?)```", f.read(), flags=re.S)


def test_the_documented_pipeline_builds_and_compiles_with_its_gate(tmp_path, monkeypatch):
    from tfx.dsl.compiler import compiler

    monkeypatch.chdir(tmp_path)
    blocks = _code_blocks()
    assert len(blocks) >= 6
    namespace = {}
    for block in blocks:
        exec(compile(block, "docs/your_pipeline.md", "exec"), namespace)  # noqa: S102 - the documentation's code
    ir = compiler.Compiler().compile(namespace["pipeline"])
    ids = {n.pipeline_node.node_info.id for n in ir.nodes}
    assert {"DriftValidator", "SliceErrorAnalyzer", "LabelConsistencyGen", "Pusher"} <= ids
    pusher = next(n.pipeline_node for n in ir.nodes if n.pipeline_node.node_info.id == "Pusher")
    condition = str(next(iter(pusher.inputs.conditionals.values())))
    gated_on = {c.producer_node_query.id for key, spec in pusher.inputs.inputs.items()
                if f'key: "{key}"' in condition for c in spec.channels}
    assert gated_on == {"DriftValidator", "SliceErrorAnalyzer"}
