"""How each field type is written in every layer (app/scaffold/fields.py)."""

import pytest

from app.scaffold import fields
from app.scaffold.spec import parse_field

# spec -> (model line, migration type, schema type)
LAYERS = {
    "title:str(200)": (
        "title: str = Field(max_length=200)",
        "sa.String(length=200)",
        "Title",
    ),
    "body:text?": ("body: str | None = Field(default=None, sa_type=sa.Text)", "sa.Text()", "Body"),
    "count:int": ("count: int", "sa.Integer()", "Count"),
    "ratio:float?": ("ratio: float | None = None", "sa.Float()", "Ratio"),
    "done:bool": ("done: bool", "sa.Boolean()", "bool"),
    "price:decimal(10,2)": (
        "price: Decimal = Field(max_digits=10, decimal_places=2)",
        "sa.Numeric(precision=10, scale=2)",
        "Price",
    ),
    "due:date": ("due: date", "sa.Date()", "date"),
    "at:datetime": (
        "at: datetime = Field(sa_type=UTCDateTime)",
        "sa.DateTime(timezone=True)",
        "AwareDatetime",
    ),
    "ref:uuid?": ("ref: UUID | None = None", "sa.Uuid()", "UUID"),
}


@pytest.mark.parametrize(("spec", "layers"), LAYERS.items(), ids=list(LAYERS))
def test_each_type_is_written_in_the_model_the_migration_and_the_schemas(
    spec: str, layers: tuple[str, str, str]
) -> None:
    field = parse_field(spec)

    assert (
        fields.model_line(field),
        fields.migration_type(field),
        fields.schema_type(field),
    ) == layers


@pytest.mark.parametrize(
    ("spec", "definition"),
    [
        ("title:str(200)", "Title = Annotated[str, Field(min_length=1, max_length=200)]"),
        ("body:text", "Body = Annotated[str, Field(min_length=1)]"),
        ("count:int", "Count = Annotated[int, Field(ge=-(2**31), le=2**31 - 1)]"),
        ("ratio:float", "Ratio = Annotated[float, Field(allow_inf_nan=False)]"),
        (
            "unit_price:decimal(5,0)",
            "UnitPrice = Annotated[Decimal, Field(max_digits=5, decimal_places=0)]",
        ),
    ],
)
def test_a_constrained_type_has_its_limits_written_once(spec: str, definition: str) -> None:
    assert fields.alias_definition(parse_field(spec)) == definition


@pytest.mark.parametrize(
    ("spec", "first", "second", "refused"),
    [
        ("title:str(5)", '"title"', '"new t"', '"x" * 6'),
        ("body:text", '"Some body."', '"Other body."', '""'),
        ("body:text?", '"Some body."', '"Other body."', "1"),
        ("count:int", "1", "2", "2**31"),
        ("ratio:float", "1.5", "2.5", '"not a number"'),
        ("done:bool", "True", "False", '"maybe"'),
        ("price:decimal(4,2)", '"1.22"', '"2.33"', '"11111"'),
        ("share:decimal(2,2)", '"0.22"', '"0.33"', '"111"'),
        ("units:decimal(3,0)", '"1"', '"2"', '"1111"'),
        ("due:date", '"2030-01-02"', '"2031-02-03"', '"not a date"'),
        (
            "at:datetime",
            '"2030-01-02T03:04:05Z"',
            '"2031-02-03T04:05:06Z"',
            '"2030-01-02T03:04:05"',
        ),
        (
            "ref:uuid",
            '"00000000-0000-4000-8000-000000000001"',
            '"00000000-0000-4000-8000-000000000002"',
            '"not a uuid"',
        ),
    ],
)
def test_the_tests_send_two_valid_values_and_one_refused(
    spec: str, first: str, second: str, refused: str
) -> None:
    field = parse_field(spec)

    assert (fields.sample(field), fields.sample(field, 1), fields.invalid(field)) == (
        first,
        second,
        refused,
    )


def test_the_standard_library_imports_follow_the_types() -> None:
    parsed = tuple(parse_field(s) for s in ("a:date", "b:datetime", "c:decimal(3,1)", "d:uuid"))

    assert fields.imports(parsed, layer="model") == [
        "from datetime import date, datetime",
        "from decimal import Decimal",
        "from uuid import UUID",
    ]
    assert fields.imports(parsed[:1], layer="schema") == ["from datetime import date, datetime"]
    assert fields.imports((parse_field("e:int"),), layer="model") == []
