"""`new-resource` on a copy of this project: what it writes, what it refuses, all or nothing.

The template's own tests go further: they run the project's whole check after it.
"""

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from app import cli
from app.scaffold import generate
from app.scaffold.edits import EditError
from app.scaffold.spec import ResourceSpec, SpecError, parse_resource

PROJECT = Path(cli.__file__).resolve().parents[1]
AUTH = generate.Project(PROJECT).settings.get("auth") == "jwt"
SKIP = shutil.ignore_patterns(
    ".git", ".venv", "__pycache__", "*.db", "*.db-*", ".*_cache", "htmlcov", ".coverage*"
)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A copy of this project to generate into."""
    copy = tmp_path / "project"
    shutil.copytree(PROJECT, copy, ignore=SKIP)
    return copy


# Named so that no real resource takes the name: these tests must keep passing after the
# project has resources of its own, `note` from the README's example among them.
def _gizmo(name: str = "gizmo", *, public: bool = False) -> ResourceSpec:
    return parse_resource(
        name, ["title:str(200)", "body:text?"], plural=None, public=public, auth=AUTH
    )


def _snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes() for p in root.rglob("*") if p.is_file()}


def test_a_resource_has_a_file_in_every_layer_and_a_line_in_each_registry(project: Path) -> None:
    changes = generate.plan(project, _gizmo())

    created = {c.path for c in changes if c.created}
    edited = {c.path for c in changes if not c.created}
    assert {"app/models/gizmo.py", "app/api/v1/gizmos.py", "tests/fixtures/gizmos.py"} <= created
    assert len(created) == len(generate.FILES)
    assert edited == {
        "app/repositories/unit_of_work.py",
        "app/repositories/sql/unit_of_work.py",
        "app/api/v1/router.py",
        "tests/fixtures/fakes.py",
        *(["app/core/security.py"] if AUTH else []),
    }


def test_planning_writes_nothing(project: Path) -> None:
    before = _snapshot(project)

    generate.plan(project, _gizmo())

    assert _snapshot(project) == before


def test_writing_creates_and_edits_exactly_what_was_planned(project: Path) -> None:
    before = _snapshot(project)
    changes = generate.plan(project, _gizmo())

    generate.write(project, changes)

    after = _snapshot(project)
    assert set(after) - set(before) == {c.path for c in changes if c.created}
    assert {p for p in before if before[p] != after[p]} == {
        c.path for c in changes if not c.created
    }


def test_the_same_resource_twice_is_refused(project: Path) -> None:
    generate.write(project, generate.plan(project, _gizmo()))

    with pytest.raises(SpecError) as refused:
        generate.plan(project, _gizmo())

    assert str(refused.value) == "resource 'gizmo' exists already: app/models/gizmo.py"


def test_a_second_resource_chains_its_revision_on_the_first(project: Path) -> None:
    generate.write(project, generate.plan(project, _gizmo()))
    (gizmos,) = [r for r in generate.Project(project).revisions() if r.endswith("_gizmos")]

    changes = generate.plan(project, _gizmo("doodad"))

    (revision,) = [c for c in changes if c.path.startswith("alembic/versions/")]
    assert f'down_revision: str | None = "{gizmos}"\n' in revision.text


def test_a_registry_edited_by_hand_still_takes_the_insertion(project: Path) -> None:
    router = project / "app/api/v1/router.py"
    router.write_text(
        router.read_text()
        + "# Our own routes come last.\napi_router.include_router(health_router)\n"
    )

    changes = generate.plan(project, _gizmo())

    (edited,) = [c for c in changes if c.path == "app/api/v1/router.py"]
    assert edited.text.endswith(
        "api_router.include_router(health_router)\napi_router.include_router(gizmos.router)\n"
    )


def test_a_registry_changed_beyond_recognition_stops_with_the_file_and_place(project: Path) -> None:
    router = project / "app/api/v1/router.py"
    router.write_text(router.read_text().replace("api_router", "routes"))

    with pytest.raises(EditError) as refused:
        generate.plan(project, _gizmo())

    assert str(refused.value).startswith("app/api/v1/router.py has no line like 'api_router = ")


def test_a_write_that_fails_half_way_restores_every_file(project: Path) -> None:
    changes = generate.plan(project, _gizmo())
    (migration,) = [c for c in changes if c.path.startswith("alembic/versions/")]
    (project / migration.path).write_text("# in the way\n")
    before = _snapshot(project)

    with pytest.raises(FileExistsError):
        generate.write(project, changes)

    assert _snapshot(project) == before


def test_a_name_whose_table_exists_is_refused(project: Path) -> None:
    (project / "app/models/doodad.py").write_text('class Doodad:\n    __tablename__ = "gizmo"\n')

    with pytest.raises(SpecError) as refused:
        generate.plan(project, _gizmo())

    assert str(refused.value) == "resource name 'gizmo' clashes with the table 'gizmo'"


def test_a_plural_whose_routes_exist_is_refused(project: Path) -> None:
    (project / "app/api/v1/extra.py").write_text('router = APIRouter(prefix="/gizmos")\n')

    with pytest.raises(SpecError) as refused:
        generate.plan(project, _gizmo())

    assert str(refused.value) == "plural 'gizmos' clashes with the routes of /gizmos"


def test_a_name_that_makes_a_name_twice_in_a_module_is_refused(project: Path) -> None:
    spec = parse_resource("gizmo", ["field:str(9)"], plural=None, public=False, auth=AUTH)

    with pytest.raises(SpecError) as refused:
        generate.plan(project, spec)

    assert "makes the name Field twice in app/schemas/gizmo.py" in str(refused.value)


def test_a_revision_is_numbered_one_past_the_highest_number_not_the_count(
    project: Path,
) -> None:
    versions = project / "alembic/versions"
    for path in versions.glob("*.py"):
        path.unlink()
    (versions / "0007_late.py").write_text(
        'revision: str = "0007_late"\ndown_revision: str | None = None\n'
    )

    changes = generate.plan(project, _gizmo())

    assert "alembic/versions/0008_gizmos.py" in [change.path for change in changes]


def test_several_alembic_heads_are_refused(project: Path) -> None:
    versions = project / "alembic/versions"
    for name in ("a", "b"):
        (versions / f"{name}.py").write_text(
            f'revision: str = "{name}"\ndown_revision: str | None = None\n'
        )

    with pytest.raises(SpecError, match=r"^alembic has several heads \(.*\): merge them first"):
        generate.plan(project, _gizmo())


if AUTH:

    def test_a_plural_whose_permissions_exist_is_refused(project: Path) -> None:
        security = project / "app/core/security.py"
        security.write_text(
            security.read_text().replace(
                '    USERS_MANAGE = "users:manage"',
                '    USERS_MANAGE = "users:manage"\n    GIZMOS_SHARE = "gizmos:share"',
            )
        )

        with pytest.raises(SpecError) as refused:
            generate.plan(project, _gizmo())

        assert str(refused.value) == "plural 'gizmos' clashes with the permission 'gizmos:share'"


# ---------------------------------------------------------------- the command line

RUNNER = CliRunner()


@pytest.fixture
def command(project: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """`new-resource` working on the copy."""
    monkeypatch.setattr(cli, "PROJECT_DIR", project)
    return project


def test_the_command_lists_what_it_created_and_edited(command: Path) -> None:
    result = RUNNER.invoke(cli.app, ["new-resource", "gizmo", "--field", "title:str(200)"])

    assert result.exit_code == 0, result.output
    assert "created app/models/gizmo.py\n" in result.output
    assert "edited app/api/v1/router.py: import gizmos; include gizmos.router\n" in result.output
    assert (command / "app/models/gizmo.py").is_file()


def test_a_dry_run_says_what_it_would_write_and_writes_nothing(command: Path) -> None:
    before = _snapshot(command)

    result = RUNNER.invoke(
        cli.app, ["new-resource", "gizmo", "--field", "title:str(9)", "--dry-run"]
    )

    assert result.exit_code == 0, result.output
    assert "would create app/services/gizmos.py\n" in result.output
    assert "would edit tests/fixtures/fakes.py: " in result.output
    assert _snapshot(command) == before


def test_a_refusal_is_one_line_with_status_2_and_writes_nothing(command: Path) -> None:
    before = _snapshot(command)

    result = RUNNER.invoke(cli.app, ["new-resource", "gizmo", "--field", "title:str(0)"])

    assert result.exit_code == 2
    assert result.output == (
        "new-resource: field 'title': str(0) needs a length from 1 to 10485760; "
        "nothing was written\n"
    )
    assert _snapshot(command) == before


def test_a_registry_it_cannot_find_fails_with_status_1_and_writes_nothing(command: Path) -> None:
    router = command / "app/api/v1/router.py"
    router.write_text(router.read_text().replace("api_router", "routes"))
    before = _snapshot(command)

    result = RUNNER.invoke(cli.app, ["new-resource", "gizmo", "--field", "title:str(9)"])

    assert result.exit_code == 1
    assert result.output.startswith("new-resource: cannot edit app/api/v1/router.py has no line")
    assert result.output.endswith("; nothing was written\n")
    assert _snapshot(command) == before
