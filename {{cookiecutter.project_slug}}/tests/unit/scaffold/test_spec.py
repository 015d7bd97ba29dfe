"""Parsing what `new-resource` is asked for, and every refusal: one line naming the value."""

import pytest

from app.scaffold.spec import FieldSpec, SpecError, derive_plural, parse_field, parse_resource


def _resource(name: str = "note", *fields: str, plural: str | None = None, public: bool = False):
    return parse_resource(
        name, list(fields) or ["title:str(200)"], plural=plural, public=public, auth=True
    )


@pytest.mark.parametrize(
    ("name", "plural"),
    [
        ("note", "notes"),
        ("box", "boxes"),
        ("batch", "batches"),
        ("category", "categories"),
        ("day", "days"),
        ("purchase_order", "purchase_orders"),
        ("status", "statuses"),
    ],
)
def test_the_plural_follows_the_regular_english_rules(name: str, plural: str) -> None:
    assert derive_plural(name) == plural


def test_a_given_plural_replaces_the_derived_one() -> None:
    assert _resource("person", plural="people").plural == "people"


@pytest.mark.parametrize(
    ("spec", "expected"),
    [
        ("title:str(200)", FieldSpec("title", "str", length=200)),
        ("body:text?", FieldSpec("body", "text", optional=True)),
        ("count:int", FieldSpec("count", "int")),
        ("ratio:float", FieldSpec("ratio", "float")),
        ("done:bool", FieldSpec("done", "bool")),
        ("price:decimal(10, 2)", FieldSpec("price", "decimal", precision=10, scale=2)),
        ("due:date?", FieldSpec("due", "date", optional=True)),
        ("at:datetime", FieldSpec("at", "datetime")),
        ("ref:uuid", FieldSpec("ref", "uuid")),
        (" order : str(5) ", FieldSpec("order", "str", length=5)),
    ],
)
def test_every_field_type_parses(spec: str, expected: FieldSpec) -> None:
    assert parse_field(spec) == expected


@pytest.mark.parametrize(
    ("public", "auth", "access"),
    [(False, True, "owned"), (True, True, "public"), (False, False, "open"), (True, False, "open")],
)
def test_who_may_do_what_follows_the_auth_answer_and_public(
    public: bool, auth: bool, access: str
) -> None:
    resource = parse_resource("note", ["title:str(9)"], plural=None, public=public, auth=auth)

    assert resource.access == access


def test_the_names_of_a_resource_in_every_layer() -> None:
    resource = _resource("purchase_order")

    assert (resource.model, resource.plural_model, resource.path, resource.label) == (
        "PurchaseOrder",
        "PurchaseOrders",
        "purchase-orders",
        "purchase order",
    )


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("Note", "resource name 'Note' is not a snake_case name"),
        ("note-item", "resource name 'note-item' is not a snake_case name"),
        ("2notes", "resource name '2notes' is not a snake_case name"),
        ("note__item", "resource name 'note__item' is not a snake_case name"),
        ("class", "resource name 'class' is a Python keyword"),
        ("match", "resource name 'match' is a Python keyword"),
        ("list", "resource name 'list' is a Python builtin"),
        ("a" * 31, f"resource name '{'a' * 31}' is longer than 30 characters"),
    ],
)
def test_a_bad_resource_name_is_refused_by_name(name: str, message: str) -> None:
    with pytest.raises(SpecError) as refused:
        _resource(name)

    assert str(refused.value).startswith(message)


def test_a_plural_equal_to_the_name_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        _resource("news", plural="news")

    assert str(refused.value) == "plural 'news' must differ from the resource name"


def test_a_resource_without_fields_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        parse_resource("note", [], plural=None, public=False, auth=True)

    assert str(refused.value).startswith("a resource needs at least one --field")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("title", "field 'title' is not name:type"),
        ("title:", "field 'title:' is not name:type"),
        ("Title:text", "field name 'Title' is not a snake_case name"),
        ("class:text", "field name 'class' is a Python keyword"),
        ("id:int", "field name 'id' is a column every table already has"),
        ("created_at:datetime", "field name 'created_at' is a column every table already has"),
        ("updated_at:datetime", "field name 'updated_at' is a column every table already has"),
        ("owner_id:int", "field name 'owner_id' is a column every table already has"),
        ("metadata:text", "field name 'metadata' is reserved by SQLModel and pydantic"),
        ("model_name:text", "field name 'model_name' is reserved by SQLModel and pydantic"),
        ("title:string", "field 'title' has an unknown type 'string'"),
        ("title:str", "field 'title': str needs a length, as in str(200)"),
        ("title:str(x)", "field 'title': str needs a length, as in str(200)"),
        ("title:str(0)", "field 'title': str(0) needs a length from 1 to 10485760"),
        ("title:str(10485761)", "field 'title': str(10485761) needs a length from 1 to"),
        ("price:decimal", "field 'price': decimal needs a precision and a scale"),
        ("price:decimal(10)", "field 'price': decimal needs a precision and a scale"),
        ("price:decimal(2,3)", "field 'price': decimal(2,3) needs 1 <= precision"),
        ("price:decimal(0,0)", "field 'price': decimal(0,0) needs 1 <= precision"),
        ("price:decimal(1001,2)", "field 'price': decimal(1001,2) needs 1 <= precision"),
        ("count:int(4)", "field 'count': type int takes no arguments, got 'int(4)'"),
    ],
)
def test_a_bad_field_is_refused_by_name(spec: str, message: str) -> None:
    with pytest.raises(SpecError) as refused:
        parse_field(spec)

    assert str(refused.value).startswith(message)


def test_a_field_given_twice_is_refused() -> None:
    with pytest.raises(SpecError) as refused:
        _resource("note", "title:str(9)", "title:text")

    assert str(refused.value) == "field 'title' is given twice"


def test_every_refusal_is_one_line() -> None:
    with pytest.raises(SpecError) as raised:
        parse_field("title:str(0)")

    assert "\n" not in str(raised.value)
