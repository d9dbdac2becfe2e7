"""The command line's shared behaviour: usage errors, library errors, --debug, help."""

import subprocess
import sys

from graphmodel.cli.main import main


def test_usage_error_is_one_message_and_exit_2(capsys):
    assert main(["simulate"]) == 2
    err = capsys.readouterr().err
    assert "Missing argument" in err and "Traceback" not in err


def test_bad_option_value_exit_2(capsys, tmp_path):
    assert main(["simulate", str(tmp_path), "--runs", "many"]) == 2
    assert "--runs" in capsys.readouterr().err


def test_library_error_is_one_line_and_debug_shows_traceback(tmp_path):
    missing = tmp_path / "nope.npz"
    cmd = [sys.executable, "-m", "graphmodel.cli.main", "info", str(missing)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    assert p.returncode == 2
    lines = p.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("graphmodel: error:") and "nope.npz" in lines[0]
    for debug in (cmd[:3] + ["--debug"] + cmd[3:], cmd + ["--debug"]):
        p = subprocess.run(debug, capture_output=True, text=True)
        assert p.returncode != 0 and "Traceback" in p.stderr and "nope.npz" in p.stderr


def test_help_lists_every_command(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for name in (
        "compare",
        "simulate",
        "seeds",
        "compete",
        "generate",
        "presets",
        "datasets",
        "info",
        "convert",
        "stats",
        "signal",
        "sweep",
        "sweep-report",
    ):
        assert name in out


def test_cli_works_without_click_installed():
    """typer 0.2x vendors click and does not install it: the CLI must not need it."""
    code = (
        "import sys; sys.modules['click'] = None\n"
        "from graphmodel.cli.main import main\n"
        "assert main(['simulate']) == 2\n"
        "assert main(['--help']) == 0\n"
    )
    p = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "Missing argument" in p.stderr
