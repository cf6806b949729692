"""Earlier artifacts for later runs, on every orchestrator: a ledger of copies under the pipeline root.

"The latest blessed model", "the previous label report" and "the drift history" used to be TFX Resolver nodes.
Open-source Kubeflow Pipelines cannot run resolvers (its Argo compiler answers "resolver executors not
implemented"), so tfx-dcai keeps earlier artifacts in a *ledger*, a folder that two small components maintain,
the same way under LocalDagRunner, Kubeflow Pipelines and Vertex AI:

    RecordHistory(artifacts=<channel>, ledger=DIR, keep=K)
        copies the new artifact's files to DIR/<entry>/ (entry: UTC time + a hash of the source URI) and writes
        DIR/<entry>/entry.json last, so a half-copied entry is never read; an artifact already recorded is skipped;
        keeps the K newest entries (0: all).
    ReadHistory(ledger=DIR, max_entries=N, default=<channel>?, triggers=[<channel>...]) -> history
        copies the N newest complete entries into its output artifact, of the recorded type: with N == 1 the
        output *is* that artifact (TFX's Evaluator loads a baseline model from it), with N > 1 one subfolder per
        entry. `history.json` in the output lists the entries, oldest first. With no entry and a `default`
        input, the default's files are copied (a model for the Evaluator to load) but history.json lists no
        entry, and tfx-dcai components treat the artifact as absent (`entry_count` is 0).

Reading the history goes through `earlier_reports`, which also accepts plain report artifacts (for example from
a user's own Resolver under LocalDagRunner).

Trade-offs, compared with a Resolver over ML Metadata: the ledger sees only runs that recorded into it (not
artifacts of other pipelines, nor MLMD lineage), it costs a copy of each recorded artifact (reports are a few KB;
a model is copied twice: into the ledger and into the reader's output), its folder is fixed when the pipeline is
compiled (a run submitted with another pipeline root still uses it), and two concurrent runs may read the same
latest entry. A reader is cached like any node: with unchanged inputs a re-run reproduces the earlier result and
the history it saw (pass as `triggers` the channels the consumer depends on, so new inputs re-read the ledger).
"""
import datetime
import hashlib
import json
import logging
import os
import posixpath
from typing import Dict, List, Optional, Sequence, Tuple, Type

from tfx import types
from tfx.dsl.components.base import base_component, base_executor, executor_spec
from tfx.dsl.io import fileio
from tfx.types import artifact_utils
from tfx.types.component_spec import ChannelParameter, ExecutionParameter
from tfx.utils import io_utils

INDEX_FILE = "history.json"
ENTRY_FILE = "entry.json"
INDEX_VERSION = 1


def _join(*parts: str) -> str:
    return posixpath.join(*parts) if "://" in parts[0] else os.path.join(*parts)


def _write_json(path: str, value) -> None:
    with fileio.open(path, "w") as f:
        f.write(json.dumps(value, indent=2, sort_keys=True))


def _read_json(path: str):
    with fileio.open(path, "r") as f:
        return json.loads(f.read())


def ledger_entries(ledger: str) -> List[str]:
    """The names of the complete entries of `ledger` (those with an entry.json), oldest first."""
    if not fileio.exists(ledger):
        return []
    names = sorted(name.rstrip("/") for name in fileio.listdir(ledger))
    return [name for name in names if fileio.exists(_join(ledger, name, ENTRY_FILE))]


def _source_key(uri: str) -> str:
    return hashlib.sha256(uri.encode("utf-8")).hexdigest()[:16]


def record(ledger: str, source_uri: str, keep: int = 0, now: Optional[datetime.datetime] = None) -> Optional[str]:
    """Copy the files of the artifact at `source_uri` into a new entry of `ledger`.

    Args:
      ledger: the ledger folder (any filesystem TFX's fileio supports).
      source_uri: the artifact's URI; an artifact already in the ledger is not recorded twice.
      keep: how many newest entries to keep (0 keeps all).
      now: the entry's time (UTC); the current time by default.

    Returns:
      The new entry's name, or None when the artifact was already recorded.
    """
    key = _source_key(source_uri)
    if any(name.endswith(f"-{key}") for name in ledger_entries(ledger)):
        return None
    now = now or datetime.datetime.now(datetime.timezone.utc)
    name = f"{now:%Y%m%dT%H%M%S.%f}Z-{key}"
    entry = _join(ledger, name)
    io_utils.copy_dir(source_uri, entry)
    _write_json(_join(entry, ENTRY_FILE), {"source_uri": source_uri, "recorded_at": f"{now:%Y-%m-%d %H:%M:%S}Z",
                                           "index_version": INDEX_VERSION})
    entries = ledger_entries(ledger)
    for old in entries[:max(0, len(entries) - keep)] if keep > 0 else []:
        fileio.rmtree(_join(ledger, old))
    return name


def read(ledger: str, output_uri: str, max_entries: int, default_uri: Optional[str] = None) -> int:
    """Copy the `max_entries` newest entries of `ledger` into `output_uri` and write its history.json.

    Args:
      ledger: the ledger folder.
      output_uri: the reader's output artifact folder.
      max_entries: 1 copies the newest entry's files into `output_uri` itself; more, one subfolder per entry.
      default_uri: with no entry, an artifact whose files are copied instead (listed as no entry).

    Returns:
      The number of entries copied.
    """
    if max_entries < 1:
        raise ValueError(f"max_entries must be at least 1, got {max_entries}")
    names = ledger_entries(ledger)[-max_entries:]
    listed = []
    if max_entries == 1 and names:
        io_utils.copy_dir(_join(ledger, names[0]), output_uri)
        listed.append((names[0], "."))
    else:
        if max_entries == 1 and default_uri:
            io_utils.copy_dir(default_uri, output_uri)
        fileio.makedirs(output_uri)
        for name in names:
            io_utils.copy_dir(_join(ledger, name), _join(output_uri, name))
            listed.append((name, name))
    entries = []
    for name, path in listed:
        meta = _read_json(_join(output_uri, path, ENTRY_FILE))
        entries.append({"entry": name, "path": path, "recorded_at": meta["recorded_at"],
                        "source_uri": meta["source_uri"]})
    _write_json(_join(output_uri, INDEX_FILE), {
        "index_version": INDEX_VERSION, "ledger": ledger, "entries": entries,
        "default_uri": default_uri if (default_uri and not entries and max_entries == 1) else None})
    return len(entries)


def entry_count(uri: str) -> Optional[int]:
    """How many earlier artifacts a ReadHistory output at `uri` holds; None for any other artifact."""
    index = _join(uri, INDEX_FILE)
    if not fileio.exists(index):
        return None
    return len(_read_json(index)["entries"])


def earlier_reports(artifacts: List[types.Artifact], name: str) -> List[Tuple[str, dict]]:
    """(run label, report) of every `<name>_report.json` in `artifacts`, oldest first.

    An artifact is either a ReadHistory output (its entries, labelled by the time they were recorded) or a plain
    report artifact (labelled `#<artifact id>`). An unreadable report is skipped with a warning: it only shortens
    the history.

    Args:
      artifacts: report artifacts (for example a consumer's `previous_reports` input).
      name: the report name, e.g. "drift" for drift_report.json.

    Returns:
      A list of (label, report dict).
    """
    found = []
    for artifact in sorted(artifacts, key=lambda a: a.id):
        index = _join(artifact.uri, INDEX_FILE)
        if fileio.exists(index):
            places = [(e["recorded_at"], _join(artifact.uri, e["path"])) for e in _read_json(index)["entries"]]
        else:
            places = [(f"#{artifact.id}", artifact.uri)]
        for label, folder in places:
            path = _join(folder, f"{name}_report.json")
            try:
                if not fileio.exists(path):
                    raise OSError("no such file")
                found.append((label, _read_json(path)))
            except (OSError, ValueError) as exc:
                logging.warning("skipping unreadable earlier report %s (%s)", path, exc)
    return found


class RecordExecutor(base_executor.BaseExecutor):
    """RecordHistory's executor: records each input artifact in the ledger (see `record`)."""

    def Do(self, input_dict, output_dict, exec_properties):
        for artifact in input_dict["artifacts"]:
            name = record(exec_properties["ledger"], artifact.uri, keep=int(exec_properties.get("keep") or 0))
            logging.info("RecordHistory: %s -> %s", artifact.uri, name or "already recorded")


class ReadExecutor(base_executor.BaseExecutor):
    """ReadHistory's executor: copies the newest entries into the output artifact (see `read`)."""

    def Do(self, input_dict, output_dict, exec_properties):
        output = artifact_utils.get_single_instance(output_dict["history"])
        defaults = input_dict.get("default") or []
        count = read(exec_properties["ledger"], output.uri, int(exec_properties["max_entries"]),
                     defaults[0].uri if defaults else None)
        output.set_int_custom_property("history_entries", count)


class _RecordSpec(types.ComponentSpec):
    PARAMETERS = {"ledger": ExecutionParameter(type=str), "keep": ExecutionParameter(type=int)}
    INPUTS: Dict[str, ChannelParameter] = {}
    OUTPUTS: Dict[str, ChannelParameter] = {}


class _ReadSpec(types.ComponentSpec):
    PARAMETERS = {"ledger": ExecutionParameter(type=str), "max_entries": ExecutionParameter(type=int)}
    INPUTS: Dict[str, ChannelParameter] = {}
    OUTPUTS: Dict[str, ChannelParameter] = {}


_SPECS: Dict[tuple, Type[types.ComponentSpec]] = {}


def _spec_class(base: Type[types.ComponentSpec], inputs: Dict[str, Tuple[type, bool]],
                outputs: Dict[str, type]) -> Type[types.ComponentSpec]:
    """A subclass of `base` whose channels have the given artifact types (one class per combination)."""
    key = (base, tuple(sorted((k, t, o) for k, (t, o) in inputs.items())), tuple(sorted(outputs.items())))
    if key not in _SPECS:
        _SPECS[key] = type(base.__name__, (base,), {
            "INPUTS": {k: ChannelParameter(type=t, optional=o) for k, (t, o) in inputs.items()},
            "OUTPUTS": {k: ChannelParameter(type=t) for k, t in outputs.items()}, "__module__": __name__})
    return _SPECS[key]


class RecordHistory(base_component.BaseComponent):
    """Records each new artifact of a channel in a ledger folder, for ReadHistory in later runs.

    Args:
      artifacts: the channel whose artifacts to record (e.g. a component's report output).
      ledger: the ledger folder, usually under the pipeline root.
      keep: how many newest entries the ledger keeps (0: all).
    """
    SPEC_CLASS = _RecordSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(RecordExecutor)

    def __init__(self, artifacts: types.BaseChannel, ledger: str, keep: int = 0):
        spec_class = _spec_class(_RecordSpec, {"artifacts": (artifacts.type, False)}, {})
        super().__init__(spec=spec_class(artifacts=artifacts, ledger=ledger, keep=keep))


class ReadHistory(base_component.BaseComponent):
    """Reads the newest entries of a ledger as one artifact of the recorded type (output key `history`).

    Args:
      artifact_type: the type of the recorded artifacts (e.g. tfx_dcai.DriftReport, Model).
      ledger: the ledger folder RecordHistory writes.
      max_entries: how many newest entries to read (1: the output is that artifact itself).
      default: with max_entries 1, an artifact copied when the ledger is empty (listed as no entry).
      triggers: channels the consumer depends on, so that new inputs re-read the ledger (a reader is cached like
        any node: with unchanged inputs, a re-run reproduces the history the earlier run saw).
    """
    SPEC_CLASS = _ReadSpec
    EXECUTOR_SPEC = executor_spec.ExecutorClassSpec(ReadExecutor)

    def __init__(self, artifact_type: Type[types.Artifact], ledger: str, max_entries: int = 1,
                 default: Optional[types.BaseChannel] = None, triggers: Sequence[types.BaseChannel] = ()):
        channels = {f"trigger_{i}": channel for i, channel in enumerate(triggers)}
        if default is not None:
            channels["default"] = default
        spec_class = _spec_class(_ReadSpec, {key: (c.type, True) for key, c in channels.items()},
                                 {"history": artifact_type})
        super().__init__(spec=spec_class(
            ledger=ledger, max_entries=max_entries, history=types.Channel(type=artifact_type), **channels))


def ledger_path(history_root: str, producer_id: str, output_key: str) -> str:
    """The ledger folder of one producer's output under `history_root`."""
    return _join(history_root, f"{producer_id}.{output_key}")
