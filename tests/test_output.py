"""--output: only regular files or new paths, atomically, with the modes of a normal file,
one Error line for everything that cannot be written."""

import os
import resource
import stat
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from posttime.cli import app
from posttime.errors import InputError
from posttime.output import remove_stale, temp_name, write_atomic

runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


def one_error(result, *words):
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("Error: cannot write"), result.stderr
    assert "Traceback" not in result.output
    for word in words:
        assert word in lines[0]


def test_a_folder_is_refused_with_one_error_line(tmp_path):
    one_error(invoke("analyze", "--sample", "-f", "json", "-o", tmp_path), "folder")
    assert list(tmp_path.iterdir()) == []


def test_a_device_node_is_refused_and_left_alone():
    result = invoke("analyze", "--sample", "-f", "json", "-o", "/dev/null")
    one_error(result, "not a regular file")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)


def test_a_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    one_error(invoke("analyze", "--sample", "-f", "json", "-o", fifo), "not a regular file")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)


def test_a_read_only_file_is_refused_even_for_root(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    target.chmod(0o444)
    one_error(invoke("analyze", "--sample", "-f", "json", "-o", target), "read-only")
    assert target.read_text() == "old" and stat.S_IMODE(target.stat().st_mode) == 0o444


def test_a_symlink_is_followed_and_stays_a_link(tmp_path):
    real = tmp_path / "reports" / "week.md"
    real.parent.mkdir()
    real.write_text("old")
    link = tmp_path / "latest.md"
    link.symlink_to(real)
    result = invoke("analyze", "--sample", "-f", "markdown", "-o", link)
    assert result.exit_code == 0, result.output
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert real.read_text().startswith("# When to post")
    assert sorted(p.name for p in real.parent.iterdir()) == ["week.md"]


def test_a_new_file_follows_the_umask_and_a_replaced_one_keeps_its_mode(tmp_path):
    old = os.umask(0o027)
    try:
        write_atomic(tmp_path / "new.txt", "x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.txt").stat().st_mode) == 0o640
    kept = tmp_path / "kept.txt"
    kept.write_text("old")
    kept.chmod(0o604)
    write_atomic(kept, "new")
    assert kept.read_text() == "new" and stat.S_IMODE(kept.stat().st_mode) == 0o604


def test_dash_means_standard_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = invoke("analyze", "--sample", "-f", "json", "-o", "-")
    assert result.exit_code == 0 and result.stdout.startswith("{")
    assert list(tmp_path.iterdir()) == []
    table = invoke("analyze", "--sample", "-o", "-")
    assert table.exit_code == 0 and "Ranked posting windows" in table.stdout


def test_stale_temp_files_of_gone_processes_are_removed(tmp_path):
    target = tmp_path / "r.json"
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True).stdout.strip()
    stale = temp_name(target, int(gone))
    stale.write_text("half")
    live = temp_name(target, os.getppid())
    live.write_text("another writer, still running")
    other = temp_name(tmp_path / "other.json", int(gone))
    other.write_text("half")
    write_atomic(target, "{}")
    assert not stale.exists() and live.exists() and other.exists()
    assert target.read_text() == "{}"
    assert stale.name == f".r.json.posttime-{gone}.tmp"
    assert remove_stale(tmp_path / "other.json") == [other]


@pytest.mark.slow
def test_a_file_size_limit_is_one_error_and_the_old_file_stays(tmp_path):
    target = tmp_path / "r.json"
    target.write_text("old")
    code = (
        "import resource, sys\n"
        "resource.setrlimit(resource.RLIMIT_FSIZE, (1000, 1000))\n"
        "from posttime.cli import app\n"
        f"sys.argv = ['posttime', 'analyze', '--sample', '-f', 'json', '-o', {str(target)!r}]\n"
        "app(prog_name='posttime')\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=120)
    assert run.returncode == 2, run.stderr
    assert run.stderr.strip().splitlines() == [f"Error: cannot write {target}: File too large"]
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["r.json"]
    assert resource.getrlimit(resource.RLIMIT_FSIZE)[0] != 1000


def test_a_full_disk_is_an_input_error_and_leaves_nothing(tmp_path, monkeypatch):
    def full(fd):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    with pytest.raises(InputError, match="No space left on device"):
        write_atomic(tmp_path / "r.txt", "x")
    assert list(tmp_path.iterdir()) == []
