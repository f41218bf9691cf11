"""The package as pip builds it (what Binder and a laptop install) holds every module and the
shipped data set, and imports from outside the repository."""
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    out = tmp_path_factory.mktemp("wheel")
    # With build isolation, as `pip install .` builds it (the pyproject's setuptools>=77, not
    # whatever setuptools the venv happens to carry).
    p = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--disable-pip-version-check",
                        "-q", "-w", str(out), str(ROOT)], capture_output=True, text=True)
    if p.returncode != 0:
        pytest.fail(f"pip wheel failed:\n{p.stdout}\n{p.stderr}")
    (whl,) = out.glob("nnbasics-*.whl")
    return whl


def test_wheel_holds_every_module_and_the_digits(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    sources = {p.relative_to(ROOT / "lib").as_posix() for p in (ROOT / "lib" / "nnbasics").rglob("*.py")}
    assert sources <= names, f"missing from the wheel: {sorted(sources - names)}"
    assert "nnbasics/_datasets/digits.csv.gz" in names


def test_wheel_imports_outside_the_repo(wheel, tmp_path):
    zipfile.ZipFile(wheel).extractall(tmp_path / "site")
    code = ("import nnbasics as nb; X, y = nb.load_digits(); "
            "assert X.shape == (1797, 64), X.shape; print(nb.__file__)")
    p = subprocess.run([sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(tmp_path / 'site')!r}); "
                        + code], capture_output=True, text=True, cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    assert str(tmp_path / "site") in p.stdout
