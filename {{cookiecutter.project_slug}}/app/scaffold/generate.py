"""Plan every file of a new resource, check the plan, then write all of it or nothing.

Nothing here imports the app: the post-generation hook of the template runs it with only
the standard library and Jinja, to add the example resource while baking.
"""

import ast
import functools
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import jinja2

from app.scaffold import edits, fields
from app.scaffold.spec import ResourceSpec, SpecError

TEMPLATES = Path(__file__).with_name("templates")
# Template -> the file it becomes; `{name}`, `{plural}` and `{revision}` are filled in.
FILES = {
    "model.py.jinja": "app/models/{name}.py",
    "schema.py.jinja": "app/schemas/{name}.py",
    "repository.py.jinja": "app/repositories/{plural}.py",
    "sql_repository.py.jinja": "app/repositories/sql/{plural}.py",
    "service.py.jinja": "app/services/{plural}.py",
    "routes.py.jinja": "app/api/v1/{plural}.py",
    "migration.py.jinja": "alembic/versions/{revision}.py",
    "test_fixtures.py.jinja": "tests/fixtures/{plural}.py",
    "test_service.py.jinja": "tests/unit/services/test_{name}_service.py",
    "test_repository.py.jinja": "tests/unit/repositories/test_sql_{plural}.py",
    "test_api.py.jinja": "tests/integration/api/test_{plural}.py",
}


@dataclass
class Change:
    """One file the resource creates or edits, with its whole new text."""

    path: str
    text: str
    created: bool
    places: list[str] = field(default_factory=list)


@dataclass
class Project:
    """What the generator reads of a project: its answers, tables, routes and revisions."""

    root: Path

    def read(self, path: str) -> str:
        """The text of a file of the project."""
        return (self.root / path).read_text(encoding="utf-8")

    def exists(self, path: str) -> bool:
        """Whether the project has `path`."""
        return (self.root / path).exists()

    @property
    def settings(self) -> dict[str, object]:
        """The project's `[tool.scaffold]` table, plus black's line length."""
        pyproject = tomllib.loads(self.read("pyproject.toml"))
        tools = pyproject.get("tool", {})
        return {
            **tools.get("scaffold", {}),
            "line_length": tools.get("black", {}).get("line-length", 100),
        }

    def modules(self, folder: str) -> list[ast.Module]:
        """The parsed Python modules under `folder`."""
        return [
            ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted((self.root / folder).rglob("*.py"))
        ]

    def tables(self) -> set[str]:
        """The `__tablename__` of every model."""
        return {
            name
            for module in self.modules("app/models")
            for node in ast.walk(module)
            if isinstance(node, ast.Assign)
            and any(isinstance(t, ast.Name) and t.id == "__tablename__" for t in node.targets)
            and (name := _string(node.value)) is not None
        }

    def route_prefixes(self) -> set[str]:
        """The `prefix` of every APIRouter under app/api."""
        return {
            prefix
            for module in self.modules("app/api")
            for node in ast.walk(module)
            if isinstance(node, ast.Call) and getattr(node.func, "id", None) == "APIRouter"
            for keyword in node.keywords
            if keyword.arg == "prefix" and (prefix := _string(keyword.value)) is not None
        }

    def permissions(self) -> set[str]:
        """The values of the Permission enum (none without authentication)."""
        if not self.exists("app/core/security.py"):
            return set()
        return {
            value
            for node in ast.walk(ast.parse(self.read("app/core/security.py")))
            if isinstance(node, ast.Assign)
            and (value := _string(node.value)) is not None
            and ":" in value
        }

    def revisions(self) -> dict[str, str | None]:
        """Every Alembic revision of alembic/versions and the revision it follows."""
        found: dict[str, str | None] = {}
        for module in self.modules("alembic/versions"):
            values = {
                node.target.id: _string(node.value)
                for node in module.body
                if isinstance(node, ast.AnnAssign)
                and isinstance(node.target, ast.Name)
                and node.value is not None
            }
            revision = values.get("revision")
            if revision is not None:
                found[revision] = values.get("down_revision")
        return found


def _string(node: ast.expr) -> str | None:
    """The value of a string literal; None for anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    return None


def check_clashes(project: Project, spec: ResourceSpec) -> None:
    """Refuse a resource whose table, route or permissions the project already has."""
    if spec.name in project.tables():
        raise SpecError(f"resource name {spec.name!r} clashes with the table {spec.name!r}")
    if f"/{spec.path}" in project.route_prefixes():
        raise SpecError(f"plural {spec.plural!r} clashes with the routes of /{spec.path}")
    taken = sorted(p for p in project.permissions() if p.startswith(f"{spec.plural}:"))
    if taken:
        raise SpecError(f"plural {spec.plural!r} clashes with the permission {taken[0]!r}")


def next_revision(project: Project, spec: ResourceSpec) -> tuple[str, str | None]:
    """The id of the resource's revision and the head it follows."""
    revisions = project.revisions()
    heads = sorted(set(revisions) - {down for down in revisions.values() if down})
    if len(heads) > 1:
        raise SpecError(
            f"alembic has several heads ({', '.join(heads)}): merge them first "
            "(alembic merge heads)"
        )
    # One more than the highest number: the template's revisions keep their numbers in every
    # project, so a project may skip one (0003, the job queue, is PostgreSQL's only).
    numbers = [int(match[0]) for revision in revisions if (match := re.match(r"\d+", revision))]
    return f"{max(numbers, default=0) + 1:04d}_{spec.plural}", heads[0] if heads else None


@functools.cache
def _environment() -> jinja2.Environment:
    # One per process: it keeps the compiled templates (recompiling any that changed on disk).
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # the templates write Python, not HTML
    )
    environment.globals.update(
        alias_definition=fields.alias_definition,
        invalid=fields.invalid,
        migration_type=fields.migration_type,
        model_line=fields.model_line,
        python_type=fields.python_type,
        sample=fields.sample,
        schema_type=fields.schema_type,
    )
    return environment


def render(spec: ResourceSpec, revision: str, down_revision: str | None) -> dict[str, str]:
    """Every new file of the resource: path -> text."""
    environment = _environment()
    kinds = {f.kind for f in spec.fields}
    context = {
        "r": spec,
        "kinds": kinds,
        "article": "an" if spec.label[0] in "aeiou" else "a",
        "aliases": [f for f in spec.fields if fields.alias(f)],
        "required": [f for f in spec.fields if not f.optional],
        "optional": [f for f in spec.fields if f.optional],
        "uses_field": any("Field(" in fields.model_line(f) for f in spec.fields),
        "stdlib": lambda layer: fields.imports(spec.fields, layer=layer),
        "revision": revision,
        "down_revision": down_revision,
    }
    names = {"name": spec.name, "plural": spec.plural, "revision": revision}
    return {
        path.format(**names): environment.get_template(template).render(context)
        for template, path in FILES.items()
    }


def _edit(
    project: Project, changes: dict[str, Change], path: str, place: str, edit: Callable[[str], str]
) -> None:
    """Apply `edit` to the planned text of `path`, noting `place`; EditError names the file."""
    change = changes.get(path) or Change(path, project.read(path), created=False)
    try:
        change.text = edit(change.text)
    except edits.EditError as error:
        raise edits.EditError(f"{path} {error}") from None
    change.places.append(place)
    changes[path] = change


def registrations(project: Project, spec: ResourceSpec, changes: dict[str, Change]) -> None:
    """Register the resource where the app and the tests look for resources."""
    model, plural = spec.model, spec.plural
    line_length = int(project.settings["line_length"])  # type: ignore[call-overload]

    def add_import(module: str, name: str) -> Callable[[str], str]:
        return lambda text: edits.add_import(text, module, name, line_length=line_length)

    def is_property(node: ast.stmt) -> bool:
        return isinstance(node, ast.FunctionDef) and any(
            getattr(d, "id", None) == "property" for d in node.decorator_list
        )

    def calls(name: str) -> Callable[[ast.stmt], bool]:
        return lambda node: (
            isinstance(node, ast.Assign)
            and isinstance(node.value, ast.Call)
            and ast.unparse(node.value.func).startswith(name)
        )

    protocol = "app/repositories/unit_of_work.py"
    _edit(
        project,
        changes,
        protocol,
        f"import {model}Repository",
        add_import(f"app.repositories.{plural}", f"{model}Repository"),
    )
    _edit(
        project,
        changes,
        protocol,
        f"add the property UnitOfWork.{plural}",
        lambda text: edits.add_to_class(
            text,
            "UnitOfWork",
            f"{edits.INDENT}@property\n"
            f"{edits.INDENT}def {plural}(self) -> {model}Repository:\n"
            f'{edits.INDENT * 2}"""The {spec.plural_label}, inside this transaction."""\n'
            f"{edits.INDENT * 2}...\n",
            after=is_property,
        ),
    )
    sql = "app/repositories/sql/unit_of_work.py"
    _edit(
        project,
        changes,
        sql,
        f"import Sql{model}Repository",
        add_import(f"app.repositories.sql.{plural}", f"Sql{model}Repository"),
    )
    _edit(
        project,
        changes,
        sql,
        f"add `{plural} = repository(Sql{model}Repository)` to SqlUnitOfWork",
        lambda text: edits.add_to_class(
            text,
            "SqlUnitOfWork",
            f"{edits.INDENT}{plural} = repository(Sql{model}Repository)\n",
            after=calls("repository"),
        ),
    )
    router = "app/api/v1/router.py"
    _edit(project, changes, router, f"import {plural}", add_import("app.api.v1", plural))
    _edit(
        project,
        changes,
        router,
        f"include {plural}.router",
        lambda text: edits.add_line_after(
            text,
            [r"api_router\.include_router\(", r"api_router = APIRouter\("],
            f"api_router.include_router({plural}.router)",
        ),
    )
    fakes = "tests/fixtures/fakes.py"
    fake = f"FakeReadRepository[{model}, {model}Read]({model}Read)"
    _edit(project, changes, fakes, f"import {model}", add_import(f"app.models.{spec.name}", model))
    _edit(
        project,
        changes,
        fakes,
        f"import {model}Read",
        add_import(f"app.schemas.{spec.name}", f"{model}Read"),
    )
    _edit(
        project,
        changes,
        fakes,
        "import FakeReadRepository",
        add_import("tests.fixtures.fake_repository", "FakeReadRepository"),
    )
    _edit(
        project,
        changes,
        fakes,
        f"add `self.{plural} = {fake}` to FakeUnitOfWork.__init__",
        lambda text: edits.add_to_method(
            text,
            "FakeUnitOfWork",
            "__init__",
            f"self.{plural} = {fake}",
            after=lambda node: "Fake" in ast.unparse(node) and "Repository" in ast.unparse(node),
        ),
    )
    if spec.access == "open":
        return
    suffixes = ("own", "read_all", "write_all") if spec.access == "owned" else ("manage",)
    members = "".join(
        f'{edits.INDENT}{plural.upper()}_{suffix.upper()} = "{plural}:{suffix}"\n'
        for suffix in suffixes
    )
    _edit(
        project,
        changes,
        "app/core/security.py",
        f"add the permissions {', '.join(f'{plural}:{s}' for s in suffixes)}",
        lambda text: edits.add_to_class(
            text, "Permission", members, after=lambda node: isinstance(node, ast.Assign)
        ),
    )
    if spec.access == "public":
        _edit(
            project,
            changes,
            "tests/integration/api/test_access.py",
            f"add the reads of /{spec.path} to PUBLIC",
            lambda text: edits.add_to_collection(
                text,
                "PUBLIC",
                [
                    # The entries as test_access.py writes them: ("GET", f"{API}/notes").
                    '("GET", f"{API}/' + spec.path + '")',
                    '("GET", API + "/' + spec.path + "/{" + spec.name + '_id}")',
                ],
            ),
        )


def _format(text: str, line_length: int) -> str:
    """Format with black where it is installed (the dev tools): long names make long lines."""
    try:
        import black
    except ImportError:
        return text
    return black.format_str(text, mode=black.Mode(line_length=line_length))


def _clashing_names(text: str) -> str | None:
    """A name that a module binds twice at its top level, if any."""
    seen: set[str] = set()
    for node in ast.parse(text).body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            bound = [alias.asname or alias.name.split(".")[0] for alias in node.names]
        elif isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            bound = [node.name]
        elif isinstance(node, ast.Assign):
            bound = [t.id for t in node.targets if isinstance(t, ast.Name)]
        else:
            continue
        for name in bound:
            if name in seen:
                return name
            seen.add(name)
    return None


def plan(root: Path, spec: ResourceSpec, *, formatted: bool = True) -> list[Change]:
    """Every file the resource creates or edits, checked, in the order they are written.

    `formatted` runs black over the new files, where black is installed.
    """
    project = Project(root)
    model = FILES["model.py.jinja"].format(name=spec.name)
    if project.exists(model):
        raise SpecError(f"resource {spec.name!r} exists already: {model}")
    check_clashes(project, spec)
    for path in FILES.values():
        path = path.format(name=spec.name, plural=spec.plural, revision="")
        if project.exists(path) and not path.startswith("alembic/"):
            raise SpecError(f"resource {spec.name!r} clashes with {path}, which exists")
    revision, down_revision = next_revision(project, spec)
    line_length = int(project.settings["line_length"])  # type: ignore[call-overload]
    changes: dict[str, Change] = {}
    for path, text in render(spec, revision, down_revision).items():
        text = edits.sort_imports(text, line_length=line_length)
        text = edits.wrap_signatures(text, line_length=line_length)
        clash = _clashing_names(text)
        if clash:
            raise SpecError(
                f"resource {spec.name!r} makes the name {clash} twice in {path}: choose another"
            )
        changes[path] = Change(
            path, _format(text, line_length) if formatted else text, created=True
        )
    registrations(project, spec, changes)
    for change in changes.values():
        ast.parse(change.text)
    return list(changes.values())


def write(root: Path, changes: list[Change]) -> None:
    """Write every change, or none: on any error the files written so far are restored."""
    done: list[tuple[Path, str | None]] = []
    try:
        for change in changes:
            path = root / change.path
            if change.created:
                path.parent.mkdir(parents=True, exist_ok=True)
                with path.open("x", encoding="utf-8", newline="") as stream:
                    done.append((path, None))
                    stream.write(change.text)
            else:
                before = path.read_text(encoding="utf-8")
                done.append((path, before))
                path.write_text(change.text, encoding="utf-8", newline="")
    except OSError:
        for path, original in reversed(done):
            if original is None:
                path.unlink(missing_ok=True)
            else:
                path.write_text(original, encoding="utf-8", newline="")
        raise
