"""The generated docs: a short README, and guides that name only what the bake has.

Each variant is baked once (the shared `baked` fixture), its Markdown parsed with markdown-it-py,
and every mention in code spans, code blocks and links checked against the bake itself:

- a path (`app/...`, `tests/...`, `docs/...`, `alembic/...`, a file at the root) exists, or is
  one that the README's own `new-resource` example would create (its `--dry-run` says so);
- a relative link resolves, to a file and, with `#anchor`, to one of its headings;
- `make TARGET` is a target of the Makefile, and `<slug> COMMAND` (or `python -m app.cli
  COMMAND`) a command that `python -m app.cli --help` lists;
- an upper-case name is a setting of `.env.example`, or else a word that the project's code
  and configuration use (a variable read by a tool, a constant); a field of `Settings` must be
  in `.env.example`;
- a Python name (`SqlUnitOfWork`, `fetch_page()`, `Permission.USERS_MANAGE`, `app.core.errors`)
  is defined or imported in `app/` or `tests/`;
- a contract "..." is one of the import-linter contracts of `pyproject.toml`.
"""

import ast
import builtins
import re
import shlex
import tomllib
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

import pytest
from markdown_it import MarkdownIt

from tests.baking import TEMPLATE_DIR, Variant, run

README_LIMIT_BYTES = 12 * 1024
TEMPLATED_PROJECT = TEMPLATE_DIR / "{{cookiecutter.project_slug}}"
# The Markdown files a bake carries: the front page, the guides, the package READMEs.
DOC_GLOBS = ["README.md", "docs/*.md", "app/**/README.md", "alembic/versions/README.md"]
# Where the code of a bake lives, for its Python names.
CODE_FOLDERS = ["app", "tests"]

MARKDOWN = MarkdownIt("commonmark").enable("table")
# A path of the project: under one of its folders, or a file at its root.
PATH = re.compile(
    r"(?<![\w/.-])("
    r"(?:app|tests|docs|alembic|\.github)/[\w./*-]*"
    r"|[\w-]+\.(?:toml|ini|yaml|yml|md)"
    r"|\.env\.example|\.env|\.dockerignore|\.pre-commit-config\.yaml|\.gitlab-ci\.yml"
    r"|Makefile|Dockerfile"
    r")(?![\w/-])"
)
MAKE = re.compile(r"(?<![\w-])make ([a-z][\w-]*)")
SCHEME = re.compile(r"^[a-z][a-z0-9+.-]*:")
UPPER_SPAN = re.compile(r"^([A-Z][A-Z0-9_]+)(?:=.*)?$")
UPPER_IN_CODE = re.compile(r"(?:^|\s)([A-Z][A-Z0-9_]+)=", flags=re.MULTILINE)
# A whole code span that is a Python name, a dotted chain, a call or a subscript.
PYTHON = re.compile(
    r"^(?P<chain>[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(?P<tail>\((?:[^()]|\([^()]*\))*\)|\[[^\]]*\])?$"
)
CAMEL = re.compile(r"^_?[A-Z][a-z0-9]+(?:[A-Z][a-z0-9]*)+$")
# A file or host name, which reads like a dotted name.
FILE_NAME = re.compile(r"\.(?:py|md|toml|ini|yaml|yml|json|txt|db|cfg|mako|example|com|org|io)$")
CONTRACT = re.compile(r'contract "([^"]+)"')
PLANNED = re.compile(r"^would (?:create|edit) ([^\s:]+)", flags=re.MULTILINE)


@dataclass
class Doc:
    """What one Markdown file of a bake mentions."""

    path: str
    text: str
    spans: list[str] = field(default_factory=list)
    blocks: list[str] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    anchors: set[str] = field(default_factory=set)

    @classmethod
    def parse(cls, path: str, text: str) -> "Doc":
        """Parse `text` into its code spans, code blocks, link targets and heading anchors."""
        doc = cls(path, text)
        tokens = MARKDOWN.parse(text)
        headings: list[str] = []
        for index, token in enumerate(tokens):
            if token.type in ("fence", "code_block"):
                doc.blocks.append(token.content)
            if token.type == "heading_open":
                headings.append(
                    "".join(child.content for child in tokens[index + 1].children or [])
                )
            for child in token.children or []:
                if child.type == "code_inline":
                    doc.spans.append(child.content)
                elif child.type == "link_open":
                    doc.links.append(str(child.attrs["href"]))
        doc.anchors = github_anchors(headings)
        return doc

    @property
    def code(self) -> list[str]:
        """Every span and block: where names and commands are written."""
        return self.spans + self.blocks


def github_anchors(headings: list[str]) -> set[str]:
    """The anchors GitHub gives these headings: lower case, punctuation out, spaces to `-`."""
    seen: Counter[str] = Counter()
    anchors = set()
    for heading in headings:
        anchor = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        anchors.add(f"{anchor}-{seen[anchor]}" if seen[anchor] else anchor)
        seen[anchor] += 1
    return anchors


@dataclass
class Bake:
    """What a bake has, for the mentions of its docs to be checked against."""

    root: Path

    @cached_property
    def docs(self) -> list[Doc]:
        """Every Markdown file of the bake that is documentation, parsed."""
        paths = sorted({p for pattern in DOC_GLOBS for p in self.root.glob(pattern)})
        return [
            Doc.parse(str(p.relative_to(self.root)), p.read_text(encoding="utf-8")) for p in paths
        ]

    @cached_property
    def corpus(self) -> str:
        """The text of every file of the bake but the Markdown ones."""
        return "\n".join(
            p.read_text(encoding="utf-8")
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and p.suffix != ".md" and p.name != ".env"
        )

    @cached_property
    def modules(self) -> dict[str, set[str]]:
        """The names each module of the code binds (defines or imports), by dotted module name."""
        found = {}
        for folder in CODE_FOLDERS:
            for path in sorted((self.root / folder).rglob("*.py")):
                relative = path.relative_to(self.root)
                module = ".".join(relative.with_suffix("").parts).removesuffix(".__init__")
                found[module] = bound_names(ast.parse(path.read_text(encoding="utf-8")))
        return found

    @cached_property
    def names(self) -> set[str]:
        """Every name that the code binds, and the builtins."""
        return set(dir(builtins)).union(*self.modules.values())

    @cached_property
    def members(self) -> dict[str, set[str]]:
        """The names that each class of the code binds in its body, by class name."""
        found: dict[str, set[str]] = {}
        for folder in CODE_FOLDERS:
            for path in (self.root / folder).rglob("*.py"):
                for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                    if isinstance(node, ast.ClassDef):
                        found.setdefault(node.name, set()).update(bound_names(node))
        return found

    @cached_property
    def env_keys(self) -> set[str]:
        """The settings of `.env.example`, set or commented out."""
        text = (self.root / ".env.example").read_text(encoding="utf-8")
        return set(re.findall(r"^#? ?([A-Z][A-Z0-9_]*)=", text, flags=re.MULTILINE))

    @cached_property
    def settings_fields(self) -> set[str]:
        """The fields of `Settings` in app/core/config.py."""
        tree = ast.parse((self.root / "app/core/config.py").read_text(encoding="utf-8"))
        (settings,) = (n for n in tree.body if isinstance(n, ast.ClassDef) and n.name == "Settings")
        return {
            n.target.id
            for n in settings.body
            if isinstance(n, ast.AnnAssign) and isinstance(n.target, ast.Name)
        }

    @cached_property
    def make_targets(self) -> set[str]:
        """The targets of the Makefile."""
        text = (self.root / "Makefile").read_text(encoding="utf-8")
        return set(re.findall(r"^([A-Za-z][\w-]*):(?!=)", text, flags=re.MULTILINE))

    @cached_property
    def commands(self) -> set[str]:
        """The commands that `python -m app.cli --help` lists."""
        help_text = run(self.root, "python", "-m", "app.cli", "--help", env={"COLUMNS": "200"})
        _, _, listing = help_text.stdout.partition("Commands")
        return set(re.findall(r"^\W{0,2}([a-z][a-z0-9-]*)  ", listing, flags=re.MULTILINE))

    @cached_property
    def contracts(self) -> set[str]:
        """The names of the import-linter contracts of pyproject.toml."""
        pyproject = tomllib.loads((self.root / "pyproject.toml").read_text(encoding="utf-8"))
        return {c["name"] for c in pyproject["tool"]["importlinter"]["contracts"]}

    @cached_property
    def examples(self) -> list[list[str]]:
        """The arguments of each `new-resource` example of the README for a new resource."""
        (readme,) = (doc for doc in self.docs if doc.path == "README.md")
        command = re.compile(rf"^{re.escape(self.root.name)} new-resource (.+)$", re.MULTILINE)
        examples = [shlex.split(line) for block in readme.blocks for line in command.findall(block)]
        # A resource the bake has already (the example items) is not new.
        return [args for args in examples if not (self.root / f"app/models/{args[0]}.py").exists()]

    @cached_property
    def planned(self) -> set[str]:
        """What the README's examples would create or edit, from their `--dry-run`."""
        return {
            path
            for args in self.examples
            for path in PLANNED.findall(
                run(self.root, "python", "-m", "app.cli", "new-resource", *args, "--dry-run").stdout
            )
        }

    def has_path(self, path: str) -> bool:
        """Whether the bake has `path` (a glob if it has `*`), or an example would create it."""
        if "*" in path:
            return any(self.root.glob(path))
        return (self.root / path).exists() or path.rstrip("/") in self.planned

    def defines(self, chain: str) -> bool:
        """Whether a dotted Python name is the project's.

        `app.core.errors` is a module, `app.core.errors.NotFoundError` a name it binds,
        `Permission.USERS_MANAGE` a member of a class, `httpx.ASGITransport` an attribute of
        a name the code imports (not looked into). A dotted name that is none of these may
        still be one the code spells out, such as the logger `app.access`.
        """
        head, *rest = chain.split(".")
        if head in ("app", "tests"):
            module = chain
            while module not in self.modules and "." in module:
                module = module.rpartition(".")[0]
            attributes = chain.removeprefix(module).lstrip(".")
            if module in self.modules and (
                not attributes or attributes.split(".")[0] in self.modules[module]
            ):
                return True
            return re.search(rf"(?<![\w.]){re.escape(chain)}(?![\w])", self.corpus) is not None
        if head not in self.names:
            return False
        return head not in self.members or not rest or rest[0] in self.members[head]

    def uses_word(self, word: str) -> bool:
        """Whether the project's code or configuration has `word` as a whole word."""
        return re.search(rf"(?<![\w]){re.escape(word)}(?![\w])", self.corpus) is not None


def bound_names(tree: ast.AST) -> set[str]:
    """The names that `tree` binds anywhere in it: definitions, assignments, imports."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            if isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module.split(".")[0])
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
    return names


@pytest.fixture(scope="session")
def bake(baked: Path) -> Bake:
    """The variant's bake, read once."""
    return Bake(baked)


# ---------------------------------------------------------------- what each check reports


def missing_paths(bake: Bake, doc: Doc) -> list[str]:
    """The paths that `doc` names and the bake lacks."""
    found = {m.rstrip(".:") for text in doc.code for m in PATH.findall(text)}
    return [f"{doc.path}: path {p}" for p in sorted(found) if not bake.has_path(p)]


def broken_links(bake: Bake, doc: Doc) -> list[str]:
    """The relative links of `doc` that lead to no file, or to no heading of it."""
    broken = []
    for href in doc.links:
        if SCHEME.match(href):
            continue
        target, _, anchor = href.partition("#")
        path = (bake.root / doc.path).parent / target if target else bake.root / doc.path
        if not path.resolve().is_relative_to(bake.root.resolve()) or not path.exists():
            broken.append(f"{doc.path}: link {href}")
        elif anchor:
            text = path.read_text(encoding="utf-8")
            if anchor not in Doc.parse(str(path), text).anchors:
                broken.append(f"{doc.path}: link {href} (no such heading)")
    return broken


def missing_targets(bake: Bake, doc: Doc) -> list[str]:
    """The `make` targets that `doc` names and the Makefile lacks."""
    found = {m for text in doc.code for m in MAKE.findall(text)}
    return [f"{doc.path}: make {t}" for t in sorted(found - bake.make_targets)]


def missing_commands(bake: Bake, doc: Doc) -> list[str]:
    """The commands of the project's command line that `doc` names and it lacks."""
    line = re.compile(
        rf"(?<![\w/-])(?:{re.escape(bake.root.name)}|python -m app\.cli) ([a-z][\w-]*)"
    )
    found = {m for text in doc.code for m in line.findall(text)}
    return [f"{doc.path}: command {c}" for c in sorted(found - bake.commands)]


def missing_upper_names(bake: Bake, doc: Doc) -> list[str]:
    """The upper-case names of `doc` that are neither settings nor words the project uses."""
    found = {m.group(1) for span in doc.spans if (m := UPPER_SPAN.match(span))}
    found |= {m for block in doc.blocks for m in UPPER_IN_CODE.findall(block)}
    problems = []
    for name in sorted(found):
        if name in bake.env_keys:
            continue
        if name in bake.settings_fields:
            problems.append(f"{doc.path}: setting {name} is not in .env.example")
        elif not bake.uses_word(name):
            problems.append(f"{doc.path}: name {name}")
    return problems


def missing_python_names(bake: Bake, doc: Doc) -> list[str]:
    """The Python names of `doc` that the code neither defines nor imports."""
    problems = []
    for span in doc.spans:
        match = PYTHON.match(span)
        if match is None or FILE_NAME.search(span):
            continue
        chain, tail = match["chain"], match["tail"]
        head = chain.split(".")[0]
        is_name = bool(tail) or "." in chain or CAMEL.match(chain) is not None
        if head.isupper() and "." not in chain and not tail:
            continue  # an upper-case name: missing_upper_names checks it
        # A call that the code spells out as it is, such as a field type `str(N)`, is its.
        spelled_out = bool(tail) and span in bake.corpus
        if is_name and not bake.defines(chain) and not spelled_out:
            problems.append(f"{doc.path}: Python name {span}")
    return problems


def unknown_contracts(bake: Bake, doc: Doc) -> list[str]:
    """The contracts `doc` quotes that pyproject.toml does not have."""
    text = re.sub(r"\s+", " ", doc.text)
    return [
        f"{doc.path}: contract {name!r}"
        for name in CONTRACT.findall(text)
        if name not in bake.contracts
    ]


Check = Callable[[Bake, Doc], list[str]]
CHECKS: list[Check] = [
    missing_paths,
    broken_links,
    missing_targets,
    missing_commands,
    missing_upper_names,
    missing_python_names,
    unknown_contracts,
]


# ---------------------------------------------------------------- the tests


def test_the_readme_is_a_front_page_of_at_most_12_kb(baked: Path) -> None:
    size = (baked / "README.md").stat().st_size
    assert size <= README_LIMIT_BYTES, f"README.md is {size} bytes"


def test_the_guides_of_an_answer_come_with_it(baked: Path, variant: Variant) -> None:
    guides = {p.name for p in (baked / "docs").iterdir()}
    expected = {"api.md", "operations.md", "settings.md", "testing.md"}
    expected |= {"security.md"} if variant["auth"] == "jwt" else set()
    expected |= {"docker.md"} if variant["docker"] == "yes" else set()
    assert guides == expected


def test_the_readme_links_every_guide(bake: Bake) -> None:
    (readme,) = (doc for doc in bake.docs if doc.path == "README.md")
    guides = {str(p.relative_to(bake.root)) for p in (bake.root / "docs").glob("*.md")}
    assert guides - {href.partition("#")[0] for href in readme.links} == set()


def test_the_readme_example_of_new_resource_runs_dry(bake: Bake) -> None:
    assert bake.examples, "the README shows no `new-resource` example for a new resource"
    assert {"app/models/note.py", "app/api/v1/router.py"} <= bake.planned


@pytest.mark.parametrize("check", CHECKS, ids=[check.__name__ for check in CHECKS])
def test_the_docs_name_only_what_the_bake_has(bake: Bake, check: Check) -> None:
    assert [problem for doc in bake.docs for problem in check(bake, doc)] == []


HTTP_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE"}


def first_cell(line: str) -> str | None:
    """The first cell of a Markdown table row, without backticks; None for any other line."""
    if not line.lstrip().startswith("|"):
        return None
    return line.strip().strip("|").split("|")[0].strip(" `")


def test_no_doc_repeats_the_route_or_settings_tables(bake: Bake) -> None:
    # /docs lists every route, .env.example every setting: a copy of either goes stale.
    repeated = HTTP_METHODS | bake.env_keys
    rows = [
        f"{doc.path}: {line}"
        for doc in bake.docs
        for line in doc.text.splitlines()
        if first_cell(line) in repeated
    ]
    assert rows == []


PLANTED = """# Planted

See [nowhere](docs/nowhere.md), [a heading](docs/api.md#no-such-heading),
`app/api/nowhere.py`, `make nowhere`, `{slug} nowhere`, `NO_SUCH_SETTING=1`, `SqlNowhere`,
`nowhere_at_all()`, `app.core.nowhere` and the contract "Nowhere may import anything".
"""


def test_each_check_reports_a_planted_name_that_the_bake_lacks(bake: Bake) -> None:
    planted = Doc.parse("README.md", PLANTED.format(slug=bake.root.name))

    reported = [problem for check in CHECKS for problem in check(bake, planted)]

    assert reported == [
        "README.md: path app/api/nowhere.py",
        "README.md: link docs/nowhere.md",
        "README.md: link docs/api.md#no-such-heading (no such heading)",
        "README.md: make nowhere",
        "README.md: command nowhere",
        "README.md: name NO_SUCH_SETTING",
        "README.md: Python name SqlNowhere",
        "README.md: Python name nowhere_at_all()",
        "README.md: Python name app.core.nowhere",
        "README.md: contract 'Nowhere may import anything'",
    ]


@pytest.mark.parametrize(
    "template",
    sorted(
        str(p.relative_to(TEMPLATED_PROJECT))
        for pattern in DOC_GLOBS
        for p in TEMPLATED_PROJECT.glob(pattern)
    ),
)
def test_a_doc_branches_at_most_once_per_question(template: str) -> None:
    text = (TEMPLATED_PROJECT / template).read_text(encoding="utf-8")
    conditions = re.findall(r"\{%-?\s*if\s+(.+?)\s*-?%\}", text)
    questions = Counter(q for c in conditions for q in set(re.findall(r"cookiecutter\.(\w+)", c)))
    assert [q for q, times in questions.items() if times > 1] == []
