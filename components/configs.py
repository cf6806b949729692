"""The configuration convention shared by the three components: one typed, frozen dataclass per component.

- A component takes its config as ONE parameter (`config=`), a config object or a dict of its fields; the
  component stores it as one JSON execution parameter (`config`) and validates it when the pipeline is built.
- Lists are lists (tuples inside the dataclass), dicts are dicts: no JSON strings inside the config.
- Each field says how it appears on the command line (`option(..., flag="--label-column", help=...)`); the
  command's flags, their help text and their defaults are generated from the fields (`add_arguments`), so the CLI
  and the component cannot drift apart. A field with `cli=False` has no flag (it is set through `--config`).
- Unknown keys are an error that names them, so a typo never falls back to a default silently.
"""
import argparse
import dataclasses
import json
import typing
from typing import Any, Dict, Optional, Sequence, Type, TypeVar

from tfx_dcai.errors import InputError

C = TypeVar("C")
_NO_DEFAULT = dataclasses.MISSING


def option(default=_NO_DEFAULT, *, help: str, flag: Optional[str] = None, choices: Optional[Sequence] = None,
           cli: bool = True, metavar: Optional[str] = None, default_factory=_NO_DEFAULT):
    """A config field with its documentation and its command-line flag.

    Args:
      default: the default value (use default_factory for a dict).
      help: one line for `--help` and the docs.
      flag: the flag's name (default: `--` + the field name with dashes).
      choices: the allowed values, shown in `--help` and checked by argparse.
      cli: False when the field has no flag of its own.
      metavar: the placeholder shown in `--help`.
      default_factory: a zero-argument function giving the default (for mutable defaults).

    Returns:
      A dataclasses.field.
    """
    metadata = {"help": help, "flag": flag, "choices": tuple(choices) if choices else None, "cli": cli,
                "metavar": metavar}
    if default_factory is not _NO_DEFAULT:
        return dataclasses.field(default_factory=default_factory, metadata=metadata)
    return dataclasses.field(default=default, metadata=metadata)


def _base_type(annotation):
    """(type, is_sequence): Optional[X] -> X; Tuple[X, ...] / Sequence[X] -> (X, True)."""
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin is typing.Union:
        inner = [a for a in args if a is not type(None)]
        return _base_type(inner[0]) if len(inner) == 1 else (str, False)
    if origin in (tuple, list, Sequence, typing.Sequence) or annotation in (tuple, list):
        item = args[0] if args and args[0] is not Ellipsis else str
        return (item if item in (str, int, float) else str), True
    if origin in (dict, typing.Dict) or annotation is dict:
        return dict, False
    return (annotation if annotation in (str, int, float, bool) else str), False


def _hints(cls) -> Dict[str, Any]:
    return typing.get_type_hints(cls)


def to_dict(config) -> dict:
    """The config's fields as a JSON-ready dict (tuples as lists, nested configs as dicts)."""
    def plain(value):
        if dataclasses.is_dataclass(value):
            return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        if isinstance(value, (list, tuple)):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {str(k): plain(v) for k, v in value.items()}
        return value
    return plain(config)


def to_json(config) -> str:
    """Canonical JSON of a config (sorted keys): what the component stores as its `config` parameter."""
    return json.dumps(to_dict(config), sort_keys=True)


def from_dict(cls: Type[C], values: Optional[dict], what: str = "config") -> C:
    """A config of class `cls` from a dict of its fields (missing fields take their defaults).

    Args:
      cls: the config dataclass.
      values: {field: value}; lists become tuples where the field is a tuple, nested dicts nested configs.
      what: how error messages name the config (e.g. "DriftValidator config").

    Returns:
      The validated config.

    Raises:
      InputError: unknown keys (named), or a value the config's own checks reject.
    """
    values = dict(values or {})
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(values) - set(fields))
    if unknown:
        raise InputError(f"{what}: unknown key(s) {unknown}; known keys: {sorted(fields)}")
    hints = _hints(cls)
    for name, value in list(values.items()):
        hint = hints[name]
        nested = next((a for a in (hint, *typing.get_args(hint)) if dataclasses.is_dataclass(a)), None)
        if nested is not None and isinstance(value, dict):
            values[name] = from_dict(nested, value, f"{what}.{name}")
        elif isinstance(value, list) and _base_type(hint)[1]:
            values[name] = tuple(value)
    try:
        return cls(**values)
    except InputError:
        raise
    except (TypeError, ValueError) as exc:
        raise InputError(f"{what}: {exc}") from None


def from_json(cls: Type[C], text: Optional[str], what: str = "config") -> C:
    """A config from its JSON text (None or "" gives the defaults); see from_dict."""
    if not text:
        return cls()
    try:
        values = json.loads(text)
    except ValueError as exc:
        raise InputError(f"{what}: not valid JSON ({exc})") from None
    if not isinstance(values, dict):
        raise InputError(f"{what}: expected a JSON object of fields, got {type(values).__name__}")
    return from_dict(cls, values, what)


def coerce(cls: Type[C], config, what: str = "config") -> C:
    """`config` as an instance of `cls`: an instance, a dict of fields, JSON text, or None (the defaults)."""
    if config is None:
        return cls()
    if isinstance(config, cls):
        return config
    if isinstance(config, dict):
        return from_dict(cls, config, what)
    if isinstance(config, str):
        return from_json(cls, config, what)
    raise InputError(f"{what}: expected a {cls.__name__}, a dict or JSON text, got {type(config).__name__}")


def replace(config: C, what: str = "config", **changes) -> C:
    """A copy of `config` with `changes` applied and validated (None values are ignored)."""
    changes = {k: v for k, v in changes.items() if v is not None}
    return from_dict(type(config), {**{f.name: getattr(config, f.name) for f in dataclasses.fields(config)},
                                    **changes}, what) if changes else config


def flag_name(field: dataclasses.Field) -> str:
    return field.metadata.get("flag") or "--" + field.name.replace("_", "-")


def cli_fields(cls) -> list:
    """The fields of `cls` that have a command-line flag."""
    return [f for f in dataclasses.fields(cls) if f.metadata.get("cli", False)]


def _parser_for(base_type, is_sequence):
    if is_sequence:
        def parse_list(text):
            items = [item.strip() for item in text.split(",") if item.strip()]
            try:
                return tuple(base_type(item) for item in items)
            except ValueError:
                raise argparse.ArgumentTypeError(f"expected a comma-separated list of {base_type.__name__}") from None
        return parse_list
    if base_type is dict:
        def parse_dict(text):
            try:
                value = json.loads(text)
            except ValueError as exc:
                raise argparse.ArgumentTypeError(f"expected a JSON object ({exc})") from None
            if not isinstance(value, dict):
                raise argparse.ArgumentTypeError("expected a JSON object")
            return value
        return parse_dict
    return base_type


def add_arguments(parser, cls, overrides: Optional[Dict[str, dict]] = None) -> None:
    """Add one flag per CLI field of config class `cls` to an argparse parser.

    Flags default to None (meaning: the config's default, shown in the help text), so `from_args` can tell a
    flag given from a flag left out. Booleans become `--flag` / `--no-flag`; tuples comma-separated lists; dicts
    JSON objects.

    Args:
      parser: an argparse parser (or argument group).
      cls: the config dataclass.
      overrides: {field name: argparse keyword arguments} for a command that needs e.g. `required=True`.
    """
    hints = _hints(cls)
    defaults = cls() if all(f.default is not _NO_DEFAULT or f.default_factory is not _NO_DEFAULT
                            for f in dataclasses.fields(cls)) else None
    for field in cli_fields(cls):
        base_type, is_sequence = _base_type(hints[field.name])
        extra = dict((overrides or {}).get(field.name, {}))
        default = getattr(defaults, field.name) if defaults is not None else field.default
        shown = (",".join(map(str, default)) if isinstance(default, (tuple, list)) else
                 "none" if default in (None, _NO_DEFAULT) else json.dumps(default) if isinstance(default, dict)
                 else default)
        help_text = field.metadata["help"] + ("" if extra.get("required") else f" (default: {shown})")
        if base_type is bool:
            parser.add_argument(flag_name(field), dest=field.name, action=argparse.BooleanOptionalAction,
                                default=None, help=help_text)
            continue
        kwargs = {"dest": field.name, "default": None, "help": help_text,
                  "type": _parser_for(base_type, is_sequence), "metavar": field.metadata.get("metavar")}
        if field.metadata.get("choices") and not is_sequence:
            kwargs["choices"] = field.metadata["choices"]
            kwargs.pop("metavar")
        kwargs.update(extra)
        parser.add_argument(flag_name(field), **{k: v for k, v in kwargs.items() if v is not None or k == "default"})


def from_args(cls: Type[C], args, base: Optional[C] = None, what: str = "config") -> C:
    """The config of `cls` from parsed flags: `base` (or the defaults) with every flag that was given applied."""
    base = base if base is not None else cls()
    given = {f.name: getattr(args, f.name) for f in cli_fields(cls) if getattr(args, f.name, None) is not None}
    return replace(base, what, **given)
