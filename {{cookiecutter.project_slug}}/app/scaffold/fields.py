"""How each field type is written in every layer: the one table the templates read.

Each function returns source text for one field; the templates only place it.
"""

import json

from app.scaffold.spec import FieldSpec

# Sample values the generated tests send: (first, second) as JSON, by type.
_SAMPLES: dict[str, tuple[str, str]] = {
    "int": ("1", "2"),
    "float": ("1.5", "2.5"),
    "bool": ("True", "False"),
    "date": ('"2030-01-02"', '"2031-02-03"'),
    "datetime": ('"2030-01-02T03:04:05Z"', '"2031-02-03T04:05:06Z"'),
    "uuid": ('"00000000-0000-4000-8000-000000000001"', '"00000000-0000-4000-8000-000000000002"'),
}
# A JSON value each type refuses with 422, and why.
_INVALID: dict[str, str] = {
    "int": "2**31",
    "float": '"not a number"',
    "bool": '"maybe"',
    "date": '"not a date"',
    "datetime": '"2030-01-02T03:04:05"',
    "uuid": '"not a uuid"',
}


def alias(field: FieldSpec) -> str | None:
    """The name of the field's constrained type in the schemas, if it needs one."""
    if field.kind in {"str", "text", "int", "float", "decimal"}:
        return "".join(part.capitalize() for part in field.name.split("_"))
    return None


def alias_definition(field: FieldSpec) -> str:
    """`Title = Annotated[str, Field(min_length=1, max_length=200)]`, for `alias(field)`."""
    if field.kind == "str":
        constraint = f"min_length=1, max_length={field.length}"
        base = "str"
    elif field.kind == "text":
        constraint, base = "min_length=1", "str"
    elif field.kind == "int":
        # What an INTEGER column holds on every database.
        constraint, base = "ge=-(2**31), le=2**31 - 1", "int"
    elif field.kind == "float":
        # JSON has no NaN nor infinity.
        constraint, base = "allow_inf_nan=False", "float"
    else:
        constraint = f"max_digits={field.precision}, decimal_places={field.scale}"
        base = "Decimal"
    return f"{alias(field)} = Annotated[{base}, Field({constraint})]"


def python_type(field: FieldSpec) -> str:
    """The Python type of the field's values."""
    return {
        "str": "str",
        "text": "str",
        "int": "int",
        "float": "float",
        "bool": "bool",
        "decimal": "Decimal",
        "date": "date",
        "datetime": "datetime",
        "uuid": "UUID",
    }[field.kind]


def schema_type(field: FieldSpec) -> str:
    """The type of the field in a create body."""
    if field.kind == "datetime":
        return "AwareDatetime"
    return alias(field) or python_type(field)


def model_line(field: FieldSpec) -> str:
    """The field's line in the SQLModel table."""
    arguments = []
    if field.optional:
        arguments.append("default=None")
    if field.kind == "str":
        arguments.append(f"max_length={field.length}")
    elif field.kind == "text":
        arguments.append("sa_type=sa.Text")
    elif field.kind == "decimal":
        arguments.append(f"max_digits={field.precision}, decimal_places={field.scale}")
    elif field.kind == "datetime":
        arguments.append("sa_type=UTCDateTime")
    annotation = python_type(field) + (" | None" if field.optional else "")
    if arguments == ["default=None"]:
        return f"{field.name}: {annotation} = None"
    if not arguments:
        return f"{field.name}: {annotation}"
    return f"{field.name}: {annotation} = Field({', '.join(arguments)})"


def migration_type(field: FieldSpec) -> str:
    """The SQLAlchemy type the revision creates the column with."""
    return {
        "str": f"sa.String(length={field.length})",
        "text": "sa.Text()",
        "int": "sa.Integer()",
        "float": "sa.Float()",
        "bool": "sa.Boolean()",
        "decimal": f"sa.Numeric(precision={field.precision}, scale={field.scale})",
        "date": "sa.Date()",
        "datetime": "sa.DateTime(timezone=True)",
        "uuid": "sa.Uuid()",
    }[field.kind]


def sample(field: FieldSpec, which: int = 0) -> str:
    """A valid JSON value of the field, as a Python literal; `which` 0 or 1 gives two."""
    if field.kind == "str":
        words = (field.label, f"new {field.label}")[which]
        return json.dumps(words[: field.length])
    if field.kind == "text":
        return json.dumps((f"Some {field.label}.", f"Other {field.label}.")[which])
    if field.kind == "decimal":
        assert field.precision is not None and field.scale is not None
        whole = str(which + 1) if field.precision > field.scale else "0"
        return json.dumps(whole + ("." + str(which + 2) * field.scale if field.scale else ""))
    return _SAMPLES[field.kind][which]


def invalid(field: FieldSpec) -> str:
    """A JSON value the field refuses with 422, as a Python expression."""
    if field.kind == "str":
        return f'"x" * {(field.length or 0) + 1}'
    if field.kind == "text":
        return '""' if not field.optional else "1"
    if field.kind == "decimal":
        return json.dumps("1" * ((field.precision or 0) + 1))
    return _INVALID[field.kind]


def imports(fields: tuple[FieldSpec, ...], *, layer: str) -> list[str]:
    """The standard-library import lines the fields need in `layer` ("model" or "schema")."""
    kinds = {field.kind for field in fields}
    found = []
    # A schema module always needs datetime: the read body has created_at and updated_at.
    dates = sorted(({"datetime"} if layer == "schema" else set()) | ({"date", "datetime"} & kinds))
    if dates:
        found.append(f"from datetime import {', '.join(dates)}")
    if "decimal" in kinds:
        found.append("from decimal import Decimal")
    if "uuid" in kinds:
        found.append("from uuid import UUID")
    return found
