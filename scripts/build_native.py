"""Compile the order book (venues/matching/book.py) with mypyc, or fall back to pure Python.

`make install` runs this. The pure-Python module stays the source of truth: mypyc compiles it
unchanged, in a scratch copy of the package, and the two extension modules it makes are
copied next to book.py, where Python imports them in its place. When mypyc or a C compiler is
missing, or the build fails, the extensions are removed and book.py runs as plain Python:
the platform works the same, only slower. `--clean` removes the extensions.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import sysconfig
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "brokerage"
MODULE = Path("venues") / "matching" / "book.py"
TARGET_DIR = PACKAGE / MODULE.parent


def extensions() -> list[Path]:
    """Return the compiled book modules now beside book.py."""
    suffix = sysconfig.get_config_var("EXT_SUFFIX") or ".so"
    return [p for p in TARGET_DIR.glob("book*") if p.name.endswith(suffix)]


def clean() -> None:
    for path in extensions():
        path.unlink()


def build() -> bool:
    """Compile book.py; return False (after cleaning up) when it cannot be done."""
    mypyc = Path(sys.executable).with_name("mypyc")
    if not mypyc.exists() or (shutil.which("cc") is None and shutil.which("gcc") is None):
        print("build_native: mypyc or a C compiler is missing; the order book runs as Python")
        clean()
        return False
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        shutil.copytree(PACKAGE, work / "brokerage",
                        ignore=shutil.ignore_patterns("__pycache__", "*.so", "data"))
        result = subprocess.run([str(mypyc), str(Path("brokerage") / MODULE)], cwd=work,
                                capture_output=True, text=True, check=False)
        built = list((work / "brokerage" / MODULE.parent).glob("book*.so"))
        if result.returncode != 0 or not built:
            print("build_native: mypyc failed; the order book runs as Python\n"
                  + result.stdout[-2000:] + result.stderr[-2000:])
            clean()
            return False
        clean()
        for path in built:
            shutil.copy2(path, TARGET_DIR / path.name)
    print(f"build_native: compiled {MODULE} ({', '.join(p.name for p in extensions())})")
    return True


if __name__ == "__main__":
    if "--clean" in sys.argv:
        clean()
    else:
        build()
