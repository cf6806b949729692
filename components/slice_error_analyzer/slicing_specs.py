"""The found slices as TFMA SlicingSpecs (JSON with proto field names), so an Evaluator can watch them.

A slice made only of `feature == value` predicates becomes `feature_values`. Any other slice becomes
`slice_keys_sql`, a query for tfx_bsl's SQL engine (the one TFMA's SqlSliceKeyExtractor runs on tf.Example
record batches, where every feature is a list): one `EXISTS` test per predicate on the feature's values, and a
constant slice key, the slice's description:

    SELECT STRUCT('fare >= 30 and company == Flash Cab' AS slice) FROM (SELECT 1)
    WHERE EXISTS (SELECT 1 FROM example.`fare` AS v WHERE v >= 30.0)
      AND EXISTS (SELECT 1 FROM example.`company` AS v WHERE v = b'Flash Cab')

Column names are quoted identifiers (spaces, hyphens and quotes allowed); text values are BYTES literals (tf.Example
strings are bytes; comparing them with a STRING literal does not compile); integer features compare with integer
literals. `is_missing` is "no value (or NaN)"; `not_in` ("other") is "a value, none of the kept ones".
"""
import math
import os

from tfx_dcai.slice_error_analyzer.encoding import BYTES, FLOAT, INT, MISSING_OP

SPECS_FILE = "slicing_specs.json"


def quote_identifier(name: str) -> str:
    """A ZetaSQL quoted identifier: `name` with backslashes and backticks escaped."""
    return "`" + str(name).replace("\\", "\\\\").replace("`", "\\`") + "`"


def _escaped(data: bytes) -> str:
    out = []
    for byte in data:
        char = chr(byte)
        if char in "\\'":
            out.append("\\" + char)
        elif 32 <= byte < 127:
            out.append(char)
        else:
            out.append(f"\\x{byte:02x}")
    return "".join(out)


def string_literal(text: str) -> str:
    """A STRING literal; non-ASCII characters as UTF-8 escapes."""
    return "'" + _escaped(str(text).encode("utf-8")) + "'"


def bytes_literal(text: str) -> str:
    """A BYTES literal of the UTF-8 encoding of `text`."""
    return "b'" + _escaped(str(text).encode("utf-8")) + "'"


def _number(value: float, value_type: str) -> str:
    if value_type == INT and float(value).is_integer():
        return str(int(value))
    if not math.isfinite(value):
        raise ValueError(f"no SQL literal for {value!r}")
    return repr(float(value))


def _literal(value, value_type: str) -> str:
    if value_type == INT:
        try:
            return str(int(str(value)))
        except ValueError:
            return _number(float(value), FLOAT)
    if value_type == FLOAT:
        return _number(float(value), FLOAT)
    return bytes_literal(value)


def _exists(name: str, condition: str) -> str:
    return f"EXISTS (SELECT 1 FROM example.{quote_identifier(name)} AS v WHERE {condition})"


def condition(predicate: dict, value_type: str) -> str:
    """The SQL condition of one predicate on a feature stored as `value_type` (INT, FLOAT or BYTES)."""
    name, op, value = predicate["feature"], predicate["op"], predicate["value"]
    numeric = value_type if value_type in (INT, FLOAT) else FLOAT
    if op == "==":
        return _exists(name, f"v = {_literal(value, value_type)}")
    if op == "not_in":
        kept = ", ".join(_literal(v, value_type) for v in value)
        return _exists(name, f"v NOT IN ({kept})" if kept else "TRUE")
    if op == "<":
        return _exists(name, f"v < {_number(value, numeric)}")
    if op == ">=":
        return _exists(name, f"v >= {_number(value, numeric)}")
    if op == "in":
        return _exists(name, f"v >= {_number(value[0], numeric)} AND v < {_number(value[1], numeric)}")
    if op == "is_present":
        return _exists(name, "NOT IS_NAN(v)" if value_type == FLOAT else "TRUE")
    if op == MISSING_OP:
        return "NOT " + _exists(name, "NOT IS_NAN(v)" if value_type == FLOAT else "TRUE")
    raise ValueError(f"unknown predicate op {op!r}")


def slicing_spec(slice_entry: dict, value_types: dict) -> dict:
    """One SlicingSpec dict of a report slice; `value_types` maps features to INT/FLOAT/BYTES."""
    predicates = slice_entry["predicates"]
    if all(p["op"] == "==" for p in predicates):
        return {"feature_values": {p["feature"]: str(p["value"]) for p in predicates}}
    where = " AND ".join(condition(p, value_types.get(p["feature"], BYTES)) for p in predicates)
    return {"slice_keys_sql": f"SELECT STRUCT({string_literal(slice_entry['description'])} AS slice) "
                              f"FROM (SELECT 1) WHERE {where}"}


def slicing_specs(report: dict) -> dict:
    """{slicing_specs: [...], skipped: []} for the report's significant slices."""
    value_types = {f["name"]: f.get("value_type", BYTES) for f in report["features"]}
    return {"slicing_specs": [slicing_spec(entry, value_types) for entry in report["slices"] if entry["significant"]],
            "skipped": []}


def write_specs(report: dict, output_dir: str) -> str:
    """Write `slicing_specs.json` for the report's significant slices into `output_dir` (any filesystem).

    Returns:
      The path written.
    """
    from tfx_dcai import artifact_io

    path = os.path.join(output_dir, SPECS_FILE)
    artifact_io.write_json(path, slicing_specs(report))
    return path
