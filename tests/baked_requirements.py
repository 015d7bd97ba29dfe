"""Write the requirements of a baked project (runtime and dev), read from its pyproject.

The template's tests run every baked project's checks in one shared environment; this
script fills that environment from the generated pyproject.toml, so the list of
dependencies lives in one place: the template.
"""

import sys
import tempfile
import tomllib
from pathlib import Path

from cookiecutter.main import cookiecutter

TEMPLATE_DIR = Path(__file__).resolve().parents[1]


def baked_requirements() -> list[str]:
    """Bake the default project into a scratch folder and return its requirements."""
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(cookiecutter(str(TEMPLATE_DIR), no_input=True, output_dir=scratch))
        meta = tomllib.loads((project / "pyproject.toml").read_text(encoding="utf-8"))
    project_table = meta["project"]
    return [*project_table["dependencies"], *project_table["optional-dependencies"]["dev"]]


if __name__ == "__main__":
    # A file, not stdout: the post-generation hook prints to stdout while baking.
    Path(sys.argv[1]).write_text("\n".join(baked_requirements()) + "\n", encoding="utf-8")
