"""Read a command's data PATH into Beam as pyarrow RecordBatches (the `dcai` commands' one reader).

PATH is a CSV file, or a directory of CSV files (`*.csv`, `*.csv.gz`) or of TFRecord files of tf.Examples (gzipped
or not). Files are opened through Beam's FileSystems, so gs:// and other Beam filesystems work as well as local
paths. Errors are InputErrors that name the file (and the column, row or value) and say what to do.

CSV (no TensorFlow):
- Text must be UTF-8; a UTF-8 byte-order mark (Excel's "CSV UTF-8") is skipped. Bytes that are not UTF-8 are an
  error naming the file, column, row and bytes.
- Every column is parsed as text, then cast to one type agreed over ALL batches (the narrowest of int64 < float64 <
  string that every value parses as), so every batch has the same schema. Columns named in `text_columns` (ids,
  labels) are never cast: `007` stays `007`, `01` and `1` stay different. The files are read twice: a first pass
  finds the types (in blocks of KINDS_BLOCK_BYTES, keeping nothing), the second casts each block as it is read,
  so the text of the whole input is never held or shuffled between Beam stages.
- Empty, NA, N/A, null and NULL are missing values; NaN and inf/-inf are kept as floats. Columns are flat.
- Rows stream through pyarrow's reader in blocks; a row longer than a block is read with a larger block (up to
  MAX_BLOCK_BYTES), so memory follows the longest row, bounded.
TFRecord (tfx_bsl's C++ decoder; no TensorFlow import):
- Records are framed and checked (length and data CRC32C) by this module, file by file, so a truncated or corrupt
  file is an error naming it and the record's byte offset.
- The schema (feature names and int/float/bytes types) comes from the first records of EVERY file; a feature
  with different types in different files, or a later record that does not fit, is an error naming the feature
  and the file. Columns are lists (a tf.Example feature can hold several values).
"""
import gzip
import io
import os
import struct
from typing import Dict, Iterable, List, Optional, Sequence, Tuple

import pyarrow as pa
import pyarrow.compute as pc

from tfx_dcai.errors import InputError

CSV_SUFFIXES = (".csv", ".csv.gz")
NULL_VALUES = ["", "NA", "N/A", "null", "NULL"]
BLOCK_BYTES = 1 << 20
KINDS_BLOCK_BYTES = 1 << 24  # the type pass: few, large blocks (a wide file's 1 MiB block holds ~100 rows)
MAX_BLOCK_BYTES = 1 << 30
_KINDS = (pa.int64(), pa.float64(), pa.string())  # narrowest first
TEXT = 2  # _KINDS index of string
SCHEMA_SAMPLE_RECORDS = 1000  # per file, for the TFRecord schema
DECODE_BATCH_RECORDS = 4096
_UTF8_BOM = b"\xef\xbb\xbf"


def list_files(path: str) -> Tuple[str, List[str]]:
    """('csv' | 'tfrecord', sorted files) for PATH; InputError when there is nothing readable.

    Files whose names start with "." or "_" (hidden files, staging folders) are skipped.
    """
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
    files = sorted(m.path for m in matched if not os.path.basename(m.path).startswith((".", "_"))
                   and not (os.path.isdir(m.path) if "://" not in m.path else m.path.endswith("/")))
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


def _open_raw(path: str):
    """The file's bytes, decompressed when it is gzipped (by name or by its magic bytes)."""
    from apache_beam.io.filesystems import FileSystems

    raw = FileSystems.open(path, compression_type="uncompressed")
    head = raw.read(2)
    raw.seek(0)
    if path.endswith(".gz") or head == b"\x1f\x8b":
        return gzip.GzipFile(fileobj=raw)
    return raw


# ----- CSV -----

def _not_utf8(path: str, data: bytes, where: str) -> InputError:
    try:
        data.decode("utf-8")
        position = 0
    except UnicodeDecodeError as exc:
        position = exc.start
    snippet = data[max(0, position - 10):position + 10]
    return InputError(f"{path}: {where} is not UTF-8 text (bytes {snippet!r} at byte {position}); save the file "
                      "as UTF-8 (in Excel: 'CSV UTF-8'), e.g. `iconv -f latin1 -t utf-8`")


def csv_header(path: str) -> List[str]:
    """The column names of a CSV file (a UTF-8 byte-order mark is skipped)."""
    import csv

    with _open_raw(path) as f:
        first = f.readline(MAX_BLOCK_BYTES)
    if first.startswith(_UTF8_BOM):
        first = first[len(_UTF8_BOM):]
    try:
        text = first.decode("utf-8")
    except UnicodeDecodeError:
        raise _not_utf8(path, first, "the header row") from None
    try:
        header = next(csv.reader(io.StringIO(text)), None)
    except csv.Error as exc:  # e.g. a bare carriage return inside an unquoted column name
        raise InputError(f"{path}: the header row is not valid CSV ({exc}); quote column names that hold line "
                         "breaks or carriage returns, or remove them") from None
    if not header:
        raise InputError(f"{path}: the CSV file is empty (it needs a header row naming the columns)")
    repeated = sorted({name for name in header if header.count(name) > 1})
    if repeated:
        raise InputError(f"{path}: the CSV header repeats column name(s) {repeated}; every column needs its own name")
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


def _text_column(path: str, name: str, column: pa.Array, first_row: int) -> pa.Array:
    """A binary CSV column as UTF-8 text; InputError naming the file, column, row and bytes when it is not."""
    try:
        return column.cast(pa.string())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for offset, value in enumerate(column.to_pylist()):
            if value is None:
                continue
            try:
                value.decode("utf-8")
            except UnicodeDecodeError:
                raise _not_utf8(path, value, f"column {name!r}, row {first_row + offset + 1}") from None
        raise


def read_csv_file(path: str, names: List[str], block_bytes: int = BLOCK_BYTES):
    """Yield the file's rows as RecordBatches of text columns (missing values null), a block at a time.

    A row longer than the read block makes pyarrow fail ("straddling object"): the file is read again with a block
    8 times larger (up to MAX_BLOCK_BYTES), skipping the rows already yielded.
    """
    import pyarrow.csv as pacsv

    block, done = block_bytes, 0
    while True:
        options = dict(read_options=pacsv.ReadOptions(block_size=block),
                       convert_options=pacsv.ConvertOptions(column_types={n: pa.binary() for n in names},
                                                            null_values=NULL_VALUES, strings_can_be_null=True))
        seen = 0
        try:
            with _open_raw(path) as f:
                reader = pacsv.open_csv(f, **options)
                header = [n.lstrip("\ufeff") for n in reader.schema.names]
                if header != names:
                    raise InputError(f"{path}: its CSV header differs from the first file's; all files need the same "
                                     "columns")
                for batch in reader:
                    start, seen = seen, seen + batch.num_rows
                    if seen <= done:
                        continue
                    batch = batch.slice(max(0, done - start))
                    yield pa.RecordBatch.from_arrays(
                        [_text_column(path, n, batch.column(i), max(start, done)) for i, n in enumerate(names)],
                        names=names)
                    done = seen
            return
        except pa.ArrowInvalid as exc:
            if "straddling" in str(exc) and block < MAX_BLOCK_BYTES:
                block *= 8  # a row longer than the block: read again with a larger block
                continue
            raise InputError(f"{path}: not a valid CSV file ({str(exc).splitlines()[0]}); every row needs one "
                             "value per header column (quote values holding commas or line breaks)") from None


def _kind_index(column: pa.Array) -> int:
    """0 int64, 1 float64, 2 string: the narrowest type every non-missing value of the column parses as."""
    values = pc.drop_null(column)
    for index, arrow_type in enumerate(_KINDS[:-1]):
        try:
            pc.cast(values, arrow_type)
            return index
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
            continue
    return TEXT


def batch_kinds(batch: pa.RecordBatch, text_columns: Sequence[str] = ()) -> Dict[str, int]:
    return {name: TEXT if name in text_columns else _kind_index(batch.column(i))
            for i, name in enumerate(batch.schema.names)}


def file_kinds(path: str, names: List[str], text_columns: Sequence[str] = ()) -> Dict[str, int]:
    """The widest kind of each column over one CSV file (the type pass; nothing of the file is kept)."""
    return widest_kinds(batch_kinds(batch, text_columns)
                        for batch in read_csv_file(path, names, block_bytes=KINDS_BLOCK_BYTES))


def read_typed_csv_file(path: str, names: List[str], kinds: Dict[str, int]):
    """Yield the file's rows as RecordBatches cast to the agreed `kinds` (the second pass)."""
    for batch in read_csv_file(path, names):
        yield cast_batch(batch, kinds)


def widest_kinds(kinds_per_batch) -> Dict[str, int]:
    widest: Dict[str, int] = {}
    for kinds in kinds_per_batch:
        for name, kind in kinds.items():
            widest[name] = max(widest.get(name, 0), kind)
    return widest


def cast_batch(batch: pa.RecordBatch, kinds: Dict[str, int]) -> pa.RecordBatch:
    columns = [pc.cast(batch.column(i), _KINDS[kinds[name]]) for i, name in enumerate(batch.schema.names)]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


# ----- TFRecord -----

_LENGTH = struct.Struct("<Q")
_CRC = struct.Struct("<I")


def read_tfrecords(path: str, limit: Optional[int] = None) -> Iterable[bytes]:
    """The records of one TFRecord file (gzipped or not), each checked against its CRC32C.

    Raises:
      InputError: naming the file and the byte offset when the file is truncated or corrupt.
    """
    from tfx_dcai.tf_records import masked_crc32c

    count, offset = 0, 0
    with _open_raw(path) as f:
        while limit is None or count < limit:
            header = f.read(12)
            if not header:
                return
            if len(header) < 12:
                raise InputError(f"{path}: truncated TFRecord file (a record header is cut off at byte {offset}); "
                                 "copy the file again")
            length, = _LENGTH.unpack(header[:8])
            if _CRC.unpack(header[8:])[0] != masked_crc32c(header[:8]):
                raise InputError(f"{path}: not a TFRecord file, or corrupt at byte {offset} (length checksum "
                                 "mismatch)")
            data = f.read(length)
            footer = f.read(4)
            if len(data) < length or len(footer) < 4:
                raise InputError(f"{path}: truncated TFRecord file (the record at byte {offset} is cut off); copy "
                                 "the file again")
            if _CRC.unpack(footer)[0] != masked_crc32c(data):
                raise InputError(f"{path}: corrupt TFRecord record at byte {offset} (data checksum mismatch)")
            offset += 16 + length
            count += 1
            yield data


def _feature_types(records: List[bytes], path: str) -> Dict[str, str]:
    """{feature: 'int'|'float'|'bytes'} of the features that hold values in `records` (tfx_bsl's decoder infers
    them; no TensorFlow import)."""
    from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

    try:
        batch = ExamplesToRecordBatchDecoder().DecodeBatch(records)
    except Exception as exc:  # not tf.Examples, or a feature whose type changes between these records
        raise InputError(f"{path}: its first records are not tf.Examples with one type per feature "
                         f"({str(exc).splitlines()[0]})") from None
    found = {}
    for name, column in zip(batch.schema.names, batch.columns):
        t = column.type.value_type if pa.types.is_list(column.type) or pa.types.is_large_list(column.type) \
            else column.type
        if pa.types.is_integer(t):
            found[name] = "int"
        elif pa.types.is_floating(t):
            found[name] = "float"
        elif pa.types.is_binary(t) or pa.types.is_large_binary(t) or pa.types.is_string(t):
            found[name] = "bytes"
    return found


def tfrecord_feature_types(files: List[str]) -> Dict[str, str]:
    """{feature: 'int'|'float'|'bytes'} from the first SCHEMA_SAMPLE_RECORDS tf.Examples of every file.

    Raises:
      InputError: no features; a feature typed differently in two files; an unreadable file.
    """
    found: Dict[str, Tuple[str, str]] = {}
    for path in files:
        records = list(read_tfrecords(path, SCHEMA_SAMPLE_RECORDS))
        if not records:
            continue
        for name, kind in _feature_types(records, path).items():
            seen = found.setdefault(name, (kind, path))
            if seen[0] != kind:
                raise InputError(f"feature {name!r} is {seen[0]} in {seen[1]} but {kind} in {path}: every file "
                                 "needs the same feature types")
    if not found:
        raise InputError(f"{files[0]}: no tf.Example features found in the first records")
    return {name: kind for name, (kind, _) in found.items()}


def _schema_bytes(types: Dict[str, str]) -> bytes:
    from tensorflow_metadata.proto.v0 import schema_pb2

    schema = schema_pb2.Schema()
    proto_types = {"int": schema_pb2.INT, "float": schema_pb2.FLOAT, "bytes": schema_pb2.BYTES}
    for name, kind in sorted(types.items()):
        schema.feature.add(name=name, type=proto_types[kind])
    return schema.SerializeToString()


def decode_tfrecord_file(path: str, schema: bytes, raw_record_column: Optional[str] = None):
    """Yield RecordBatches of the tf.Examples of one file, decoded with the shared schema (tfx_bsl's decoder).

    Raises:
      InputError: naming the file and the feature when a record does not fit the schema.
    """
    from tfx_bsl.coders.example_coder import ExamplesToRecordBatchDecoder

    decoder = ExamplesToRecordBatchDecoder(schema)

    def decode(records):
        try:
            batch = decoder.DecodeBatch(records)
        except Exception as exc:  # tfx_bsl raises RuntimeError/ValueError with the feature in its message
            raise InputError(f"{path}: a record does not fit the feature types of the first records "
                             f"({str(exc).splitlines()[0]}); every record needs the same feature types") from None
        if raw_record_column:
            batch = pa.RecordBatch.from_arrays(
                list(batch.columns) + [pa.array([[r] for r in records], pa.large_list(pa.large_binary()))],
                list(batch.schema.names) + [raw_record_column])
        return batch

    records = []
    for record in read_tfrecords(path):
        records.append(record)
        if len(records) == DECODE_BATCH_RECORDS:
            yield decode(records)
            records = []
    if records:
        yield decode(records)


def read_record_batches(pipeline, path: str, label: str, text_columns: Sequence[str] = (),
                        raw_record_column: Optional[str] = None):
    """A PCollection of pyarrow RecordBatches with the rows of PATH (see the module docstring for types).

    Args:
      pipeline: the Beam pipeline.
      path: a CSV file or a directory of CSV or TFRecord files.
      label: a unique label for the reading stages.
      text_columns: CSV columns kept as text, never cast to numbers (ids, labels).
      raw_record_column: TFRecord only: also keep each serialized tf.Example in this column (to score a model).

    Returns:
      A PCollection of RecordBatches with the same schema.
    """
    import apache_beam as beam

    kind, files = list_files(path)
    if kind == "tfrecord":
        schema = _schema_bytes(tfrecord_feature_types(files))
        return (pipeline | f"{label}/Files" >> beam.Create(files) | f"{label}/Reshuffle" >> beam.Reshuffle()
                | f"{label}/Decode" >> beam.FlatMap(decode_tfrecord_file, schema, raw_record_column))
    names = column_names(path)
    paths = pipeline | f"{label}/Files" >> beam.Create(files)
    kinds = (paths | f"{label}/Kinds" >> beam.Map(file_kinds, names, tuple(text_columns))
             | f"{label}/Widest" >> beam.CombineGlobally(widest_kinds))
    return paths | f"{label}/Parse" >> beam.FlatMap(read_typed_csv_file, names, kinds=beam.pvalue.AsSingleton(kinds))
