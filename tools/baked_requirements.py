"""Write the requirements of the baked projects (runtime and dev), read from their
pyproject.toml, for every variant of the matrix.

The template's tests run every baked project's checks in one shared environment; this
script fills that environment from the generated pyproject.toml files, so the lists of
dependencies live in one place: the template. Run it as
`python -m tools.baked_requirements OUTPUT_FILE` from the repository root.
"""

import sys
import tempfile
import tomllib
from pathlib import Path

from tools.baking import bake, matrix


def baked_requirements() -> list[str]:
    """Bake every variant into a scratch folder; return their requirements, each once."""
    requirements: dict[str, None] = {}
    with tempfile.TemporaryDirectory() as scratch:
        for index, variant in enumerate(matrix()):
            project = bake(Path(scratch) / str(index), **variant)
            meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
            table = meta["project"]
            requirements.update(dict.fromkeys(table["dependencies"]))
            requirements.update(dict.fromkeys(table["optional-dependencies"]["dev"]))
    return list(requirements)


if __name__ == "__main__":
    Path(sys.argv[1]).write_text("\n".join(baked_requirements()) + "\n", encoding="utf-8")
