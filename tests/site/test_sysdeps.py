"""scripts/sysdeps.sh, the first command of `make run` and `make test`: its checks give the same
answer every time under the script's `set -o pipefail`, however long the linker cache is."""

import os
import subprocess
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "sysdeps.sh"
PDF_LIBS = ["libpango-1.0.so.0", "libpangoft2-1.0.so.0", "libharfbuzz-subset.so.0"]


def sysdeps(group, *, fake_bin=None):
    env = dict(os.environ)
    if fake_bin:
        env["PATH"] = f"{fake_bin}{os.pathsep}{env['PATH']}"
    return subprocess.run(
        ["bash", str(SCRIPT), group], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def fake_commands(tmp_path, *, libraries, filler_lines=0, uid=None) -> Path:
    """An ``ldconfig`` printing ``libraries`` first, then ``filler_lines`` more: the old check,
    ``ldconfig -p | grep -q``, stopped reading after the first match and ldconfig died of SIGPIPE.
    With ``uid``, an ``id`` that reports that user, so nothing is installed."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    lines = [f"\t{name} (libc6,x86-64) => /usr/lib/x86_64-linux-gnu/{name}" for name in libraries]
    (bin_dir / "cache.txt").write_text(
        f"{len(lines) + filler_lines} libs found in cache `/etc/ld.so.cache'\n"
        + "".join(f"{line}\n" for line in lines)
        + "".join(f"\tlibfiller{i}.so.1 (libc6,x86-64) => /usr/lib/libfiller{i}.so.1\n" for i in range(filler_lines)),
        encoding="utf-8",
    )
    ldconfig = bin_dir / "ldconfig"
    ldconfig.write_text(f'#!/bin/sh\ncat "{bin_dir / "cache.txt"}"\n', encoding="utf-8")
    ldconfig.chmod(0o755)
    if uid is not None:
        fake_id = bin_dir / "id"
        fake_id.write_text(f"#!/bin/sh\necho {uid}\n", encoding="utf-8")
        fake_id.chmod(0o755)
    return bin_dir


def test_the_pdf_check_passes_every_time_on_this_machine():
    results = [sysdeps("pdf") for _ in range(10)]
    assert [r.returncode for r in results] == [0] * 10, results[-1].stderr


def test_a_long_linker_cache_cannot_make_the_pdf_check_fail(tmp_path):
    # uid 1000: were the check to fail, the script would report rather than run apt-get.
    bin_dir = fake_commands(tmp_path, libraries=PDF_LIBS, filler_lines=20_000, uid=1000)
    results = [sysdeps("pdf", fake_bin=bin_dir) for _ in range(10)]
    assert [r.returncode for r in results] == [0] * 10, results[-1].stderr


@pytest.mark.parametrize("missing", PDF_LIBS)
def test_a_missing_library_is_reported_with_the_install_command(tmp_path, missing):
    present = [name for name in PDF_LIBS if name != missing]
    bin_dir = fake_commands(tmp_path, libraries=present, filler_lines=5_000, uid=1000)
    result = sysdeps("pdf", fake_bin=bin_dir)
    assert result.returncode == 1
    assert "Missing system packages for 'pdf'" in result.stderr
    assert "sudo apt-get install -y libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0" in result.stderr


def test_the_browser_check_and_a_wrong_group():
    assert sysdeps("browser").returncode == 0  # Debian's Chromium at /usr/bin/chromium
    wrong = sysdeps("fonts")
    assert wrong.returncode == 2 and "unknown group: fonts" in wrong.stderr


def test_the_java_check_passes_here_and_reports_a_missing_runtime(tmp_path):
    assert sysdeps("java").returncode == 0  # the Nu HTML Checker's runtime (docs/quality.md)
    bin_dir = fake_commands(tmp_path, libraries=[], uid=1000)
    broken = bin_dir / "java"
    broken.write_text("#!/bin/sh\nexit 1\n", encoding="utf-8")
    broken.chmod(0o755)
    result = sysdeps("java", fake_bin=bin_dir)
    assert result.returncode == 1
    assert "sudo apt-get install -y default-jre-headless" in result.stderr
