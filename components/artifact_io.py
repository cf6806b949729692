"""Reading and writing files at artifact URIs and output directories, on any filesystem TFX supports.

A URI with a scheme (`gs://`, `s3://`, `hdfs://`, TensorFlow's in-memory `ram://`, ...) goes through TFX's
`fileio`, which every TFX filesystem plugs into; a plain local path uses the local filesystem directly, so the
CSV paths of the commands never import TensorFlow (fileio does). Builtin `open` on a `gs://bucket/x` string would
silently write a local folder named `gs:`: library code calls this module instead. Inside Beam transforms use
`apache_beam.io.filesystems.FileSystems`.

`staged_output_dir` gives a command an output directory that only ever shows the outputs of a run that
finished: files are written to a staging folder and moved into place at the end; a failed run removes the
command's earlier outputs instead of leaving them looking current.
"""
import contextlib
import json
import math
import os
import shutil
import uuid
from typing import Iterable, Iterator

STAGING_PREFIX = ".dcai-staging-"


class _LocalFiles:
    """The subset of fileio's interface this module uses, for plain local paths."""

    @staticmethod
    def open(path, mode="r"):
        return open(path, mode)  # local

    @staticmethod
    def makedirs(path):
        os.makedirs(path, exist_ok=True)

    exists = staticmethod(os.path.exists)
    isdir = staticmethod(os.path.isdir)
    listdir = staticmethod(os.listdir)
    remove = staticmethod(os.remove)

    @staticmethod
    def rmtree(path):
        shutil.rmtree(path)

    @staticmethod
    def rename(source, target, overwrite=False):
        if not overwrite and os.path.exists(target):
            raise FileExistsError(target)
        os.replace(source, target)


def _files(uri: str):
    """fileio for URIs with a scheme; the local filesystem (no TensorFlow import) for plain paths."""
    if "://" not in uri:
        return _LocalFiles
    from tfx.dsl.io import fileio  # imported here: tfx pulls TensorFlow

    return fileio


def json_safe(value):
    """`value` with NaN/infinity as None, numpy scalars as Python numbers and tuples as lists (JSON has neither).

    Args:
      value: nested dicts, lists, tuples, numbers, strings.

    Returns:
      The same structure, ready for json.dumps(..., allow_nan=False).
    """
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {str(k): json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [json_safe(v) for v in value]
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return json_safe(value.item())
    return value


def makedirs(uri: str) -> None:
    """Create directory `uri` and its parents (no error when it exists)."""
    _files(uri).makedirs(uri)


def exists(uri: str) -> bool:
    return _files(uri).exists(uri)


def write_bytes(uri: str, data: bytes) -> None:
    """Write `data` to `uri`, creating its directory; replaces an existing file."""
    files = _files(uri)
    files.makedirs(os.path.dirname(uri) or ".")
    with files.open(uri, "wb") as f:
        f.write(data)


def read_bytes(uri: str) -> bytes:
    with _files(uri).open(uri, "rb") as f:
        return f.read()


def write_text(uri: str, text: str) -> None:
    """Write UTF-8 `text` to `uri` (see write_bytes)."""
    write_bytes(uri, text.encode("utf-8"))


def read_text(uri: str) -> str:
    return read_bytes(uri).decode("utf-8")


def write_json(uri: str, value) -> None:
    """Write `value` as indented JSON (NaN and infinity as null, see json_safe)."""
    write_text(uri, json.dumps(json_safe(value), indent=2, allow_nan=False) + "\n")


def read_json(uri: str):
    return json.loads(read_text(uri))


def remove(uri: str) -> None:
    """Remove file `uri` if it exists."""
    files = _files(uri)
    if files.exists(uri):
        files.remove(uri)


def rmtree(uri: str) -> None:
    """Remove directory `uri` and everything in it, if it exists."""
    files = _files(uri)
    if files.exists(uri):
        files.rmtree(uri)


def list_files(uri: str) -> list:
    """The names of the files directly in directory `uri` (sorted; none when it does not exist)."""
    files = _files(uri)
    if not files.exists(uri):
        return []
    return sorted(name.rstrip("/") for name in files.listdir(uri))


@contextlib.contextmanager
def staged_output_dir(output_dir: str, owned_names: Iterable[str]) -> Iterator[str]:
    """A staging directory for one run's outputs; moved into `output_dir` when the block ends without error.

    Args:
      output_dir: the directory the user named (created if needed; other files in it are left alone).
      owned_names: the file names the command writes there (its reports). When the block raises, these are
        removed from `output_dir`, so a failed run never leaves an earlier run's report looking current.

    Yields:
      The staging directory (a hidden folder inside `output_dir`, on the same filesystem).
    """
    files = _files(output_dir)
    files.makedirs(output_dir)
    staging = os.path.join(output_dir, f"{STAGING_PREFIX}{uuid.uuid4().hex[:12]}")
    files.makedirs(staging)
    try:
        yield staging
    except BaseException:
        for name in owned_names:
            remove(os.path.join(output_dir, name))
        raise
    else:
        for name in list_files(staging):
            source = os.path.join(staging, name)
            if files.isdir(source):
                target = os.path.join(output_dir, name)
                rmtree(target)
                files.rename(source, target)
            else:
                files.rename(source, os.path.join(output_dir, name), overwrite=True)
    finally:
        rmtree(staging)
