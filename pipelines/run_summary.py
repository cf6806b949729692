"""What a pipeline run did, read back from ML Metadata: executions, output artifacts, push, validation."""
import dataclasses
import os
from typing import Dict, List, Optional

from ml_metadata import metadata_store
from ml_metadata.proto import metadata_store_pb2

STATE_NAMES = {v: k for k, v in metadata_store_pb2.Execution.State.items()}
REPORT_SUFFIX = "_report.html"


@dataclasses.dataclass
class NodeRun:
    node: str
    state: str
    seconds: float
    outputs: Dict[str, List[metadata_store_pb2.Artifact]]


def sqlite_store(path: str) -> metadata_store.MetadataStore:
    config = metadata_store_pb2.ConnectionConfig()
    config.sqlite.filename_uri = path
    config.sqlite.connection_mode = metadata_store_pb2.SqliteMetadataSourceConfig.READONLY
    return metadata_store.MetadataStore(config)


def latest_run(store: metadata_store.MetadataStore, pipeline_name: str) -> List[NodeRun]:
    """The executions of the newest run of `pipeline_name`, in execution order, with their outputs."""
    runs = [c for c in store.get_contexts_by_type("pipeline_run")
            if any(p.name == pipeline_name for p in store.get_parent_contexts_by_context(c.id))]
    if not runs:
        return []
    run = max(runs, key=lambda c: (c.create_time_since_epoch, c.id))
    executions = sorted(store.get_executions_by_context(run.id), key=lambda e: (e.create_time_since_epoch, e.id))
    events = store.get_events_by_execution_ids([e.id for e in executions])
    artifacts = {a.id: a for a in store.get_artifacts_by_id({ev.artifact_id for ev in events})}
    result = []
    for execution in executions:
        outputs: Dict[str, List[metadata_store_pb2.Artifact]] = {}
        for ev in events:
            if ev.execution_id == execution.id and ev.type in (ev.OUTPUT, ev.DECLARED_OUTPUT):
                outputs.setdefault(ev.path.steps[0].key, []).append(artifacts[ev.artifact_id])
        result.append(NodeRun(node=_node_name(store, execution, pipeline_name),
                              state=STATE_NAMES.get(execution.last_known_state, "UNKNOWN"),
                              seconds=(execution.last_update_time_since_epoch
                                       - execution.create_time_since_epoch) / 1e3,
                              outputs=outputs))
    return result


def _node_name(store, execution, pipeline_name: str) -> str:
    for context in store.get_contexts_by_execution(execution.id):
        if context.type == "node":
            prefix = pipeline_name + "."
            return context.name[len(prefix):] if context.name.startswith(prefix) else context.name
    return execution.type


def _custom(artifact, name: str):
    if name not in artifact.custom_properties:
        return None
    value = artifact.custom_properties[name]
    return getattr(value, value.WhichOneof("value"))


def pushed_model(nodes: List[NodeRun]) -> Optional[str]:
    """Where the Pusher put the model in this run, or None when it did not push."""
    for node in nodes:
        for artifact in node.outputs.get("pushed_model", []):
            if _custom(artifact, "pushed") == 1:
                return _custom(artifact, "pushed_destination")
    return None


def anomalies_by_split(artifact) -> Dict[str, List[str]]:
    """Split -> ["feature: short description", ...] from an ExampleAnomalies artifact's SchemaDiff.pb."""
    from tensorflow_metadata.proto.v0 import anomalies_pb2

    from tfx_dcai import artifact_io

    found = {}
    for split_dir in artifact_io.list_files(artifact.uri):
        path = os.path.join(artifact.uri, split_dir, "SchemaDiff.pb")
        if not artifact_io.exists(path):
            continue
        anomalies = anomalies_pb2.Anomalies.FromString(artifact_io.read_bytes(path))
        found[split_dir.replace("Split-", "")] = [
            f"{name}: {_anomaly_text(info)}" for name, info in sorted(anomalies.anomaly_info.items())]
    return found


def _anomaly_text(info) -> str:
    return info.short_description or "; ".join(r.short_description for r in info.reason) or info.description


def format_summary(nodes: List[NodeRun], metadata_path: str) -> str:
    """The human-readable end-of-run summary `dcai demo` prints."""
    lines = [f"Ran {len(nodes)} components (ML Metadata: {metadata_path}):"]
    for node in nodes:
        lines.append(f"  {node.node:<36} {node.state:<9} {node.seconds:7.1f} s")
        for key, artifacts in sorted(node.outputs.items()):
            for artifact in artifacts:
                lines.append(f"      {key:<18} {artifact.uri}")
    destination = pushed_model(nodes)
    lines.append("")
    lines.append(f"Pushed model: {destination}" if destination else
                 "Pushed model: none (the Evaluator did not bless the model; see the Evaluator's evaluation)")
    lines.append("Validation:")
    for node in nodes:
        for artifact in node.outputs.get("anomalies", []):
            for split, found in anomalies_by_split(artifact).items():
                verdict = "no anomalies" if not found else f"{len(found)} anomalies: " + "; ".join(found)
                lines.append(f"  {node.node} [{split}]: {verdict}")
        for key, artifacts in node.outputs.items():
            for artifact in artifacts:
                blessed = _custom(artifact, "blessed")
                if "blessing" in key and blessed is not None:
                    lines.append(f"  {node.node} {key}: blessed={blessed}")
                reports = [f for f in _listdir(artifact.uri) if f.endswith(REPORT_SUFFIX)]
                lines += [f"  {node.node} report: {os.path.join(artifact.uri, f)}" for f in reports]
    return "\n".join(lines)


def _listdir(path: str) -> List[str]:
    from tfx_dcai import artifact_io

    return artifact_io.list_files(path)
