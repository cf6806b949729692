"""The `dcai` CLI: fast help, and one clear line with a non-zero exit for each kind of bad input."""
import os
import shutil
import subprocess
import sys

import pytest

from tests.paths import REPO_ROOT
from tfx_dcai.pipelines.cli import main

TAXI_COMMANDS = ("demo", "prepare-data", "compile-kubeflow")


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO_ROOT, timeout=120)


def test_help_lists_every_command_without_importing_tensorflow():
    result = run_python("import sys; from tfx_dcai.pipelines.cli import main\n"
                        "try:\n    main(['--help'])\nexcept SystemExit as e:\n    code = e.code\n"
                        "print('TF_LOADED' if 'tensorflow' in sys.modules or 'tfx' in sys.modules "
                        "else 'TF_FREE', code)")
    assert result.stdout.strip().endswith("TF_FREE 0"), result.stderr
    for command in TAXI_COMMANDS + ("drift", "agreement", "slices"):
        assert command in result.stdout


def test_the_dcai_entry_point_selects_tf_keras_and_importing_the_library_does_not():
    env = {k: v for k, v in os.environ.items() if k != "TF_USE_LEGACY_KERAS"}
    code = ("import os, tfx_dcai, tfx_dcai.pipelines, tfx_dcai.pipelines.cli as cli\n"
            "print(os.environ.get('TF_USE_LEGACY_KERAS', 'unset'))\n"
            "try:\n    cli.main(['--help'])\nexcept SystemExit:\n    pass\n"
            "print(os.environ.get('TF_USE_LEGACY_KERAS', 'unset'))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd="/", timeout=120, env=env)
    assert result.stdout.split()[0] == "unset" and result.stdout.split()[-1] == "1", result.stderr


def one_line_error(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "Traceback" not in err
    assert len(err.splitlines()) == 1, err
    return err


def test_unknown_subcommand_is_one_line_and_exit_2(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["frobnicate"])
    assert exit_info.value.code == 2
    assert "invalid choice: 'frobnicate'" in one_line_error(capsys)


def test_unwritable_output_directory_is_one_line_and_exit_2(capsys, tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(SystemExit) as exit_info:
        main(["demo", "--output-dir", str(blocker / "out")])
    assert exit_info.value.code == 2
    assert f"cannot write to output directory '{blocker / 'out'}'" in one_line_error(capsys)


def test_missing_taxi_test_data_is_one_line_and_exit_2(capsys, tmp_path, monkeypatch):
    from tfx_dcai.pipelines import taxi_data

    monkeypatch.setattr(taxi_data, "taxi_testdata_dir", lambda: str(tmp_path / "empty"))
    assert main(["prepare-data", "--output-dir", str(tmp_path / "out")]) == 2
    assert "no taxi trips found under" in one_line_error(capsys)


def test_setup_without_python_310_says_what_to_install(tmp_path):
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}  # no pyenv, no python3.10 here
    if shutil.which("python3.10", path=env["PATH"]):
        pytest.skip("this machine has a system python3.10")
    result = subprocess.run(["bash", os.path.join(REPO_ROOT, "requirements", "make_venv.sh"), str(tmp_path / "venv")],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 3
    assert result.stderr.strip().splitlines() == [
        "error: tfx-dcai needs Python 3.10 (the TFX 1.16 stack supports 3.9-3.10) and none was found; install it "
        "(e.g. 'pyenv install 3.10.13' or 'apt-get install python3.10') or set DCAI_PYTHON=/path/to/python3.10."]
    assert not (tmp_path / "venv").exists()


def test_every_command_help_shows_an_example_and_a_default_or_requirement_for_each_flag(capsys):
    from tfx_dcai.pipelines.cli import build_parser

    parser = build_parser()
    commands = parser._subparsers._group_actions[0].choices
    for name, sub in commands.items():
        text = sub.format_help()
        assert "examples:" in text, name
        for action in sub._actions:
            if action.option_strings and action.dest not in ("help",) and action.help:
                shown = action.required or "default" in action.help or action.nargs == 0 or \
                    action.dest in ("json", "debug", "quiet", "no_cache")
                assert shown, f"dcai {name} {action.option_strings[0]}: help names no default"


def test_a_bad_beam_runner_flag_is_bad_input(tmp_path, capsys):
    csv = tmp_path / "a.csv"
    csv.write_text("x,label,p\n" + "".join(f"{i % 3},{i % 2},{(i % 2) * 0.8 + 0.1}\n" for i in range(200)))
    code = main(["slices", "--examples", str(csv), "--label-column", "label", "--prediction-column", "p",
                 "--output-dir", str(tmp_path / "out"), "--", "--runner=NoSuchRunner"])
    assert code == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("dcai slices: bad input: Beam args: Unexpected pipeline runner: NoSuchRunner")
    assert not (tmp_path / "out" / "slice_report.json").exists()


def test_json_output_is_one_object_with_the_exit_code(tmp_path, capsys):
    import json

    csv = tmp_path / "a.csv"
    csv.write_text("x,label,p\n" + "".join(f"{i % 3},{i % 2},{(i % 2) * 0.8 + 0.1}\n" for i in range(200)))
    code = main(["slices", "--examples", str(csv), "--label-column", "label", "--prediction-column", "p",
                 "--output-dir", str(tmp_path / "out"), "--json"])
    out = json.loads(capsys.readouterr().out)
    assert out["command"] == "slices" and out["exit_code"] == code == 0
    assert out["reports"]["json"].endswith("slice_report.json")


@pytest.mark.parametrize("debug", [False, True])
def test_the_stacks_import_warnings_are_ignored_during_a_command_unless_debug(debug):
    import types
    import warnings

    from tfx_dcai import command

    def handler(args, beam_args):  # what importing google.api_core on Python 3.10 does
        warnings.warn_explicit("You are using a non-supported Python version (3.10.13).", FutureWarning,
                               "_python_version_support.py", 246, module="google.api_core._python_version_support")
        warnings.warn("a warning of the user's own", UserWarning)
        return command.Outcome(status="DONE", blocking=False, summary="done")

    args = types.SimpleNamespace(json=False, debug=debug, quiet=True)
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        assert command.run("probe", handler, args) == 0
        filters_after = list(warnings.filters)
    assert [w.category for w in seen] == ([FutureWarning, UserWarning] if debug else [UserWarning])
    assert filters_after[0][0] == "always", "the command's filters must not outlive it"
