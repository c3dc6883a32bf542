"""The package metadata is in pyproject.toml; this file only adds the compiled build.

The modules every line runs through (the pipeline loop, a stage's rule choice and edits, the
line budget) are compiled with Cython as they are written: Python's semantics, none of its
per-instruction dispatch (a fifth off the time a line takes). It is an optimization only:
- an editable install (`pip install -e .`) or an in-place build builds nothing, so the
  sources you edit are what runs (a compiled copy beside them would be imported instead, and
  go stale);
- without a C compiler, or with TTSNORM_PURE_PYTHON=1, the package installs as pure Python
  and behaves the same (tests/test_build.py compares the two).
"""

import os
from pathlib import Path

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext

COMPILED = ["normalizer.pipeline", "normalizer.stages.base", "normalizer.edits", "normalizer.budget"]
DIRECTIVES = {
    "language_level": 3,
    "annotation_typing": False,   # annotations are documentation here, not C types
    "infer_types": False,         # every variable stays a Python object: no C integer overflow
    "binding": True,              # functions keep their signatures and docstrings
}


class OptionalBuildExt(build_ext):
    def run(self) -> None:
        # (an earlier build's modules in build/ would otherwise go into the package unchanged)
        for extension in self.extensions:
            Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
        if self.editable_mode or self.inplace or os.environ.get("TTSNORM_PURE_PYTHON"):
            return   # beside the sources, a compiled copy would be imported instead of them
        try:
            from Cython.Build import cythonize
            for extension, translated in zip(self.extensions, cythonize(
                    self.extensions, build_dir="build/cython", compiler_directives=DIRECTIVES,
                    force=True, quiet=True)):
                extension.sources = translated.sources   # the C file Cython wrote
            super().run()
        except Exception as error:   # no compiler: the pure Python package
            for extension in self.extensions:
                Path(self.get_ext_fullpath(extension.name)).unlink(missing_ok=True)
            print(f"ttsnorm: building pure Python only ({type(error).__name__}: {error})")


# -O2 -g0 against Python's default -O3 -g: half the build time, a package a sixth the size
setup(ext_modules=[Extension(name, [name.replace(".", "/") + ".py"], optional=True,
                             extra_compile_args=["-O2", "-g0"])
                   for name in COMPILED],
      cmdclass={"build_ext": OptionalBuildExt})
