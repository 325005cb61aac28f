# `cmake --install <build> --component python` puts the module and its stub into
# <prefix>/<FRAMEPIPE_INSTALL_PYTHONDIR> (lib/python3/dist-packages), where PYTHONPATH finds it.
import os
import pathlib
import re
import shutil
import subprocess
import sys

import pytest

import framepipe
from conftest import tool_env


def build_dir():
    """The build tree of the module under test (it lives in <build>/python/)."""
    return pathlib.Path(framepipe.__file__).resolve().parent.parent


def test_cmake_install_puts_a_module_that_pythonpath_finds(tmp):
    cmake = shutil.which("cmake")
    cache = build_dir() / "CMakeCache.txt"
    if cmake is None or not cache.exists():
        pytest.skip("cmake, or the module's build tree, is not here")
    match = re.search(r"^FRAMEPIPE_INSTALL_PYTHONDIR:\w+=(.*)$", cache.read_text(), re.M)
    if match is None:
        pytest.skip("the build tree has no install rules (FRAMEPIPE_INSTALL=OFF)")
    prefix = tmp / "prefix"
    subprocess.run([cmake, "--install", str(build_dir()), "--prefix", str(prefix), "--component",
                    "python"], check=True, timeout=120, capture_output=True, env=tool_env())
    site = prefix / match.group(1)
    modules = list(site.glob("framepipe*.so"))
    assert len(modules) == 1, list(prefix.rglob("*"))
    assert (site / "framepipe.pyi").read_text() == (build_dir() / "python" /
                                                     "framepipe.pyi").read_text()
    env = dict(os.environ)
    env["PYTHONPATH"] = str(site)
    done = subprocess.run(
        [sys.executable, "-c",
         "import framepipe; print(framepipe.__file__); print(framepipe.__version__); "
         "print(framepipe.pack_i420.__doc__ is not None)"],
        check=True, timeout=120, capture_output=True, text=True, env=env, cwd=str(tmp))
    path, version, documented = done.stdout.split()
    assert pathlib.Path(path).resolve() == modules[0].resolve()
    assert version == framepipe.__version__
    assert documented == "True"
