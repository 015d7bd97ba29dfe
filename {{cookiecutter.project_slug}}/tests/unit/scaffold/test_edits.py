"""The insertions of the generator: found by the code around them, written as ruff and black
would, and refused, naming what is missing, when the code is not there."""

import ast

import pytest

from app.scaffold.edits import (
    EditError,
    add_import,
    add_line_after,
    add_to_class,
    add_to_collection,
    add_to_method,
    sort_imports,
    wrap_signatures,
)

MODULE = '''"""A module."""

import os

from fastapi import APIRouter

from app.api.v1 import auth, users

api_router = APIRouter()
api_router.include_router(auth.router)
'''


def test_a_name_joins_the_import_of_its_module_in_order() -> None:
    assert "from app.api.v1 import auth, notes, users\n" in add_import(
        MODULE, "app.api.v1", "notes"
    )


def test_an_import_that_grows_too_long_is_wrapped_as_black_wraps_it() -> None:
    source = add_import(MODULE, "app.api.v1", "n" * 80)

    assert f"from app.api.v1 import (\n    auth,\n    {'n' * 80},\n    users,\n)\n" in source


def test_a_wrapped_import_takes_the_name_on_a_line_of_its_own() -> None:
    source = MODULE.replace(
        "from app.api.v1 import auth, users", "from app.api.v1 import (\n    auth,\n    users,\n)"
    )

    assert "    auth,\n    notes,\n    users,\n)" in add_import(source, "app.api.v1", "notes")


def test_a_name_imported_already_changes_nothing() -> None:
    assert add_import(MODULE, "app.api.v1", "auth") == MODULE


def test_a_new_module_is_imported_in_order_among_the_first_party_imports() -> None:
    source = add_import(MODULE, "app.models.note", "Note")

    assert "from app.api.v1 import auth, users\nfrom app.models.note import Note\n\n" in source


def test_the_first_first_party_import_gets_a_section_of_its_own() -> None:
    source = add_import(MODULE.replace("\nfrom app.api.v1 import auth, users\n", ""), "app.x", "y")

    assert "from fastapi import APIRouter\n\nfrom app.x import y\n" in source


def test_an_import_with_comments_is_left_to_the_user() -> None:
    source = MODULE.replace("import auth, users", "import auth, users  # noqa: F401")

    with pytest.raises(EditError) as refused:
        add_import(source, "app.api.v1", "notes")

    assert "line 7: the import from app.api.v1 has comments" in str(refused.value)


def test_a_line_goes_after_the_last_line_like_it() -> None:
    source = add_line_after(
        MODULE, [r"api_router\.include_router\(", r"api_router = APIRouter\("], "X = 1"
    )

    assert source.endswith("api_router.include_router(auth.router)\nX = 1\n")


def test_a_line_goes_after_the_next_anchor_when_the_first_is_missing() -> None:
    source = MODULE.replace("api_router.include_router(auth.router)\n", "")

    assert add_line_after(source, ["api_router.include", "api_router = "], "X = 1").endswith(
        "api_router = APIRouter()\nX = 1\n"
    )


def test_a_file_without_the_anchor_is_refused_naming_it() -> None:
    with pytest.raises(EditError) as refused:
        add_line_after('"""Empty."""\n', ["api_router = "], "X = 1")

    assert "has no line like 'api_router = '" in str(refused.value)


CLASS = '''class Uow:
    """Doc."""

    users = repository(Users)

    def __init__(self) -> None:
        """Doc."""
        self.users = Fake()
        self.committed = False
'''


def test_a_class_line_goes_after_its_kind() -> None:
    source = add_to_class(
        CLASS,
        "Uow",
        "    notes = repository(Notes)\n",
        after=lambda node: "repository(" in ast.unparse(node),
    )

    assert "    users = repository(Users)\n    notes = repository(Notes)\n" in source


def test_a_class_line_without_its_kind_goes_after_the_docstring() -> None:
    source = add_to_class(CLASS, "Uow", "    notes = 1\n", after=lambda node: False)

    assert '    """Doc."""\n\n    notes = 1\n\n    users' in source


def test_a_missing_class_is_refused_naming_it() -> None:
    with pytest.raises(EditError) as refused:
        add_to_class(CLASS, "Other", "    x = 1\n", after=lambda node: True)

    assert "has no class Other" in str(refused.value)


def test_a_method_line_goes_after_the_last_one_picked() -> None:
    source = add_to_method(
        CLASS,
        "Uow",
        "__init__",
        "self.notes = Fake()",
        after=lambda node: "Fake(" in ast.unparse(node),
    )

    assert "self.users = Fake()\n        self.notes = Fake()\n        self.committed" in source


def test_a_method_line_goes_first_when_none_is_picked() -> None:
    source = add_to_method(CLASS, "Uow", "__init__", "self.notes = 1", after=lambda node: False)

    assert '"""Doc."""\n        self.notes = 1\n        self.users' in source


def test_a_missing_method_is_refused_naming_it() -> None:
    with pytest.raises(EditError) as refused:
        add_to_method(CLASS, "Uow", "close", "x = 1", after=lambda node: True)

    assert "has no method Uow.close" in str(refused.value)


def test_entries_go_at_the_end_of_a_literal_over_several_lines() -> None:
    source = add_to_collection('PUBLIC = {\n    "a",\n}\n', "PUBLIC", ['"b"'])

    assert source == 'PUBLIC = {\n    "a",\n    "b",\n}\n'


def test_a_literal_on_one_line_is_refused() -> None:
    with pytest.raises(EditError) as refused:
        add_to_collection('PUBLIC = {"a"}\n', "PUBLIC", ['"b"'])

    assert "has no literal `PUBLIC = ...` over several lines" in str(refused.value)


def test_a_module_that_does_not_parse_is_refused() -> None:
    with pytest.raises(EditError, match=r"is not valid Python \(line 1\)"):
        add_import("def (:\n", "app.x", "y")


def test_imports_are_put_in_sections_and_in_order() -> None:
    source = (
        '"""Doc."""\n\nfrom app.b import y\nimport sqlalchemy as sa\nfrom app.a import x\n'
        "from datetime import date\nfrom app.a import w\n\nX = 1\n"
    )

    assert sort_imports(source) == (
        '"""Doc."""\n\nfrom datetime import date\n\nimport sqlalchemy as sa\n\n'
        "from app.a import w, x\nfrom app.b import y\n\nX = 1\n"
    )


def test_a_long_signature_is_wrapped_as_black_wraps_it() -> None:
    hugged = "async def f(" + ", ".join(f"a{i}: int" for i in range(10)) + ") -> None:\n"
    exploded = "def g(" + ", ".join(f"argument_{i}: int" for i in range(9)) + ") -> None:\n"

    assert wrap_signatures(hugged).splitlines()[1].startswith("    a0: int, a1: int")
    assert wrap_signatures(exploded).splitlines()[1:3] == [
        "    argument_0: int,",
        "    argument_1: int,",
    ]
    assert wrap_signatures("def h(a: int) -> None:\n") == "def h(a: int) -> None:\n"
