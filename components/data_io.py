"""Read a CLI data PATH into Beam as pyarrow RecordBatches.

PATH is a CSV file, or a directory of CSV files (`*.csv`, `*.csv.gz`) or of TFRecord files of tf.Examples.
- CSV needs no TensorFlow. Each file streams through pyarrow's CSV reader (quoting handled, bounded memory);
  every column is parsed as text first, then cast to one type agreed over ALL batches (the widest of
  int64 < float64 < string), so every batch has the same schema. Empty, NA, N/A, null and NULL are missing
  values; NaN and inf/-inf are kept as floats. Columns are flat (one value per row).
- TFRecord goes through TFXIO; the schema (names and int/float/bytes types) comes from the first records, so
  batches are consistent. Columns are lists (a tf.Example feature can hold several values).
Files are opened through Beam's FileSystems, so gs:// and other Beam filesystems work as well as local paths.
"""
import csv
import gzip
import io
import os
from typing import Dict, List, Tuple

import pyarrow as pa
import pyarrow.compute as pc

from tfx_dcai.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz")
NULL_VALUES = ["", "NA", "N/A", "null", "NULL"]
BLOCK_BYTES = 1 << 20
_KINDS = (pa.int64(), pa.float64(), pa.string())  # narrowest first
SCHEMA_SAMPLE_RECORDS = 1000


def list_files(path: str) -> Tuple[str, List[str]]:
    """('csv' | 'tfrecord', sorted files) for PATH; InputError when there is nothing readable."""
    from apache_beam.io.filesystems import FileSystems

    is_directory = os.path.isdir(path) or ("://" in path and not FileSystems.exists(path))
    if not is_directory:
        if not FileSystems.exists(path):
            raise InputError(f"{path}: no such file or directory")
        return ("csv" if path.endswith(CSV_SUFFIXES) else "tfrecord"), [path]
    try:
        matched = FileSystems.match([path.rstrip("/") + "/*"])[0].metadata_list
    except Exception as exc:  # Beam raises BeamIOError (or a filesystem's own error) for an unlistable path
        raise InputError(f"{path}: cannot list the directory ({exc})") from None
    files = sorted(m.path for m in matched if not os.path.basename(m.path).startswith((".", "_")))
    if not files:
        raise InputError(f"{path}: no such file, or a directory that holds no CSV or TFRecord files")
    csvs = [f for f in files if f.endswith(CSV_SUFFIXES)]
    if csvs and len(csvs) != len(files):
        raise InputError(f"{path}: mixes CSV and other files; put the CSV files in a directory of their own")
    return ("csv" if csvs else "tfrecord"), files


def total_bytes(patterns: List[str]) -> int:
    """The summed size of the files matching the patterns (local paths or any Beam file system)."""
    from apache_beam.io.filesystems import FileSystems

    return sum(m.size_in_bytes for result in FileSystems.match(list(patterns)) for m in result.metadata_list)


def _open_text(path: str):
    from apache_beam.io.filesystems import FileSystems

    raw = FileSystems.open(path, compression_type="uncompressed")
    return gzip.GzipFile(fileobj=raw) if path.endswith(".gz") else raw


def csv_header(path: str) -> List[str]:
    with _open_text(path) as f:
        header = next(csv.reader(io.TextIOWrapper(f, encoding="utf-8", newline="")), None)
    if not header:
        raise InputError(f"{path}: the CSV file is empty (it needs a header row naming the columns)")
    if len(set(header)) != len(header):
        raise InputError(f"{path}: the CSV header repeats a column name: {header}")
    return header


def column_names(path: str) -> List[str]:
    """The column (feature) names of PATH, in file order for CSV and sorted for TFRecord."""
    kind, files = list_files(path)
    if kind == "csv":
        names = csv_header(files[0])
        for other in files[1:]:
            if csv_header(other) != names:
                raise InputError(f"{other}: its CSV header differs from {files[0]}'s; all files need the same columns")
        return names
    return sorted(tfrecord_feature_types(files))


def read_csv_file(path: str, names: List[str]):
    """Yield the file's rows as RecordBatches of text columns (missing values null)."""
    import pyarrow.csv as pacsv

    options = dict(read_options=pacsv.ReadOptions(block_size=BLOCK_BYTES),
                   convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                        null_values=NULL_VALUES, strings_can_be_null=True))
    try:
        with _open_text(path) as f:
            reader = pacsv.open_csv(f, **options)
            if reader.schema.names != names:
                raise InputError(f"{path}: its CSV header differs from the first file's; all files need the same columns")
            for batch in reader:
                yield batch
    except pa.ArrowInvalid as exc:
        raise InputError(f"{path}: not a valid CSV file ({exc})") from None


def _kind_index(column: pa.Array) -> int:
    """0 int64, 1 float64, 2 string: the narrowest type every non-missing value of the column parses as."""
    values = pc.drop_null(column)
    for index, arrow_type in enumerate(_KINDS[:-1]):
        try:
            pc.cast(values, arrow_type)
            return index
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return len(_KINDS) - 1


def batch_kinds(batch: pa.RecordBatch) -> Dict[str, int]:
    return {name: _kind_index(batch.column(i)) for i, name in enumerate(batch.schema.names)}


def widest_kinds(kinds_per_batch) -> Dict[str, int]:
    widest: Dict[str, int] = {}
    for kinds in kinds_per_batch:
        for name, kind in kinds.items():
            widest[name] = max(widest.get(name, 0), kind)
    return widest


def cast_batch(batch: pa.RecordBatch, kinds: Dict[str, int]) -> pa.RecordBatch:
    columns = [pc.cast(batch.column(i), _KINDS[kinds[name]]) for i, name in enumerate(batch.schema.names)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def tfrecord_feature_types(files: List[str]) -> Dict[str, str]:
    """{feature: 'int'|'float'|'bytes'} from the first SCHEMA_SAMPLE_RECORDS tf.Examples (imports TensorFlow)."""
    import tensorflow as tf

    found: Dict[str, str] = {}
    try:
        records = tf.data.TFRecordDataset(files, compression_type="GZIP" if files[0].endswith(".gz") else "")
        for record in records.take(SCHEMA_SAMPLE_RECORDS).as_numpy_iterator():
            for name, feature in tf.train.Example.FromString(record).features.feature.items():
                kind = feature.WhichOneof("kind")
                if kind:
                    found.setdefault(name, {"int64_list": "int", "float_list": "float", "bytes_list": "bytes"}[kind])
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as exc:
        raise InputError(f"{files[0]}: not a TFRecord file of tf.Examples ({exc.message.splitlines()[0]})") from None
    if not found:
        raise InputError(f"{files[0]}: no tf.Example features found in the first records")
    return found


def _tfxio_source(files: List[str]):
    from tensorflow_metadata.proto.v0 import schema_pb2
    from tfx_bsl.public import tfxio

    schema = schema_pb2.Schema()
    types = {"int": schema_pb2.INT, "float": schema_pb2.FLOAT, "bytes": schema_pb2.BYTES}
    for name, kind in sorted(tfrecord_feature_types(files).items()):
        schema.feature.add(name=name, type=types[kind])
    return tfxio.TFExampleRecord(file_pattern=files, schema=schema, telemetry_descriptors=["tfx-dcai", "cli"])


def read_record_batches(pipeline, path: str, label: str):
    """A PCollection of pyarrow RecordBatches with the rows of PATH (see the module docstring for types)."""
    import apache_beam as beam

    kind, files = list_files(path)
    if kind == "tfrecord":
        return pipeline | label >> _tfxio_source(files).BeamSource()
    names = column_names(path)
    text = (pipeline | f"{label}/Files" >> beam.Create(files)
            | f"{label}/Parse" >> beam.FlatMap(read_csv_file, names=names))
    kinds = (text | f"{label}/Kinds" >> beam.Map(batch_kinds)
             | f"{label}/Widest" >> beam.CombineGlobally(widest_kinds))
    return text | f"{label}/Cast" >> beam.Map(cast_batch, kinds=beam.pvalue.AsSingleton(kinds))
