"""What `new-resource` is asked for: a resource's name and fields, checked and spelled out.

Every refusal is a `SpecError` whose message is one line naming the value and the rule.
"""

import builtins
import keyword
import re
from dataclasses import dataclass
from typing import Literal

SNAKE_CASE = re.compile(r"[a-z][a-z0-9]*(?:_[a-z0-9]+)*")
# Index and constraint names (ix_<table>_owner_id...) must stay within PostgreSQL's 63 bytes,
# and the lines that register a resource within black's 100 characters.
MAX_NAME_LENGTH = 30
MAX_FIELD_LENGTH = 40
# The columns the mixins add to every table.
MIXIN_COLUMNS = frozenset({"id", "created_at", "updated_at", "owner_id"})
# Attribute names that SQLModel, pydantic or SQLAlchemy's declarative base keep for themselves.
RESERVED_FIELDS = frozenset({"metadata", "registry"})
# PostgreSQL's limits for varchar(n) and numeric(p, s).
MAX_STR_LENGTH = 10_485_760
MAX_DECIMAL_PRECISION = 1000
TYPE_SPEC = re.compile(
    r"(?P<kind>str|text|int|float|bool|decimal|date|datetime|uuid)"
    r"(?:\((?P<args>[^()]*)\))?(?P<optional>\??)"
)
TYPES_HELP = "str(N), text, int, float, bool, decimal(P,S), date, datetime, uuid"


class SpecError(ValueError):
    """A resource or field that cannot be generated; the message says why, in one line."""


@dataclass(frozen=True)
class FieldSpec:
    """One column of the resource: its name, its type and the type's arguments."""

    name: str
    kind: str
    optional: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None

    @property
    def label(self) -> str:
        """The name as words, for docstrings and sample values."""
        return self.name.replace("_", " ")


# Who may do what with a resource's rows:
# owned  - each user their own, admins everyone's (auth=jwt, the default);
# public - anyone reads, the `<plural>:manage` permission writes (auth=jwt, --public);
# open   - anyone reads and writes (auth=none).
Access = Literal["owned", "public", "open"]


@dataclass(frozen=True)
class ResourceSpec:
    """A resource to generate."""

    name: str
    plural: str
    fields: tuple[FieldSpec, ...]
    access: Access

    @property
    def model(self) -> str:
        """The class name of the table: `purchase_order` -> `PurchaseOrder`."""
        return "".join(part.capitalize() for part in self.name.split("_"))

    @property
    def plural_model(self) -> str:
        """The plural as a class-like name: `purchase_orders` -> `PurchaseOrders`."""
        return "".join(part.capitalize() for part in self.plural.split("_"))

    @property
    def path(self) -> str:
        """The URL path segment: `purchase_orders` -> `purchase-orders`."""
        return self.plural.replace("_", "-")

    @property
    def label(self) -> str:
        """The singular as words: `purchase order`."""
        return self.name.replace("_", " ")

    @property
    def plural_label(self) -> str:
        """The plural as words: `purchase orders`."""
        return self.plural.replace("_", " ")


def derive_plural(name: str) -> str:
    """The English plural of the last word of `name`, by the regular rules."""
    if re.search(r"(s|x|z|ch|sh)$", name):
        return name + "es"
    if re.search(r"[^aeiou]y$", name):
        return name[:-1] + "ies"
    return name + "s"


def check_name(value: str, what: str) -> str:
    """Return `value` if it can name a resource (module, class, table); SpecError if not."""
    if not SNAKE_CASE.fullmatch(value):
        raise SpecError(
            f"{what} {value!r} is not a snake_case name (a-z, 0-9 and single underscores, "
            "starting with a letter)"
        )
    if len(value) > MAX_NAME_LENGTH:
        raise SpecError(f"{what} {value!r} is longer than {MAX_NAME_LENGTH} characters")
    if keyword.iskeyword(value) or keyword.issoftkeyword(value):
        raise SpecError(f"{what} {value!r} is a Python keyword")
    if hasattr(builtins, value):
        raise SpecError(f"{what} {value!r} is a Python builtin")
    return value


def parse_field(spec: str) -> FieldSpec:
    """Parse `name:type` (a trailing `?` makes it optional) into a FieldSpec."""
    name, colon, type_spec = spec.partition(":")
    name, type_spec = name.strip(), type_spec.strip()
    if not colon or not name or not type_spec:
        raise SpecError(f"field {spec!r} is not name:type (types: {TYPES_HELP})")
    if not SNAKE_CASE.fullmatch(name) or len(name) > MAX_FIELD_LENGTH:
        raise SpecError(
            f"field name {name!r} is not a snake_case name of at most {MAX_FIELD_LENGTH} "
            "characters"
        )
    if keyword.iskeyword(name):
        raise SpecError(f"field name {name!r} is a Python keyword")
    if name in MIXIN_COLUMNS:
        raise SpecError(
            f"field name {name!r} is a column every table already has "
            f"({', '.join(sorted(MIXIN_COLUMNS))})"
        )
    if name in RESERVED_FIELDS or name.startswith("model_"):
        raise SpecError(f"field name {name!r} is reserved by SQLModel and pydantic")
    match = TYPE_SPEC.fullmatch(type_spec)
    if match is None:
        raise SpecError(f"field {name!r} has an unknown type {type_spec!r} (types: {TYPES_HELP})")
    kind, args, optional = match["kind"], match["args"], bool(match["optional"])
    if kind == "str":
        return FieldSpec(name, kind, optional, length=_str_length(name, args))
    if kind == "decimal":
        precision, scale = _decimal_digits(name, args)
        return FieldSpec(name, kind, optional, precision=precision, scale=scale)
    if args is not None:
        raise SpecError(f"field {name!r}: type {kind} takes no arguments, got {type_spec!r}")
    return FieldSpec(name, kind, optional)


def _str_length(name: str, args: str | None) -> int:
    if args is None or not args.strip().isdigit():
        raise SpecError(f"field {name!r}: str needs a length, as in str(200)")
    length = int(args)
    if not 1 <= length <= MAX_STR_LENGTH:
        raise SpecError(f"field {name!r}: str({args}) needs a length from 1 to {MAX_STR_LENGTH}")
    return length


def _decimal_digits(name: str, args: str | None) -> tuple[int, int]:
    parts = [part.strip() for part in (args or "").split(",")]
    if len(parts) != 2 or not all(part.isdigit() for part in parts):
        raise SpecError(
            f"field {name!r}: decimal needs a precision and a scale, as in decimal(10,2)"
        )
    precision, scale = map(int, parts)
    if not 1 <= precision <= MAX_DECIMAL_PRECISION or scale > precision:
        raise SpecError(
            f"field {name!r}: decimal({args}) needs 1 <= precision <= "
            f"{MAX_DECIMAL_PRECISION} and 0 <= scale <= precision"
        )
    return precision, scale


def parse_resource(
    name: str, fields: list[str], *, plural: str | None, public: bool, auth: bool
) -> ResourceSpec:
    """Check everything about the resource that needs no look at the project."""
    check_name(name, "resource name")
    plural = check_name(plural, "plural") if plural else derive_plural(name)
    if plural == name:
        raise SpecError(f"plural {plural!r} must differ from the resource name")
    if not fields:
        raise SpecError("a resource needs at least one --field, as in --field 'title:str(200)'")
    parsed = tuple(parse_field(field) for field in fields)
    seen: set[str] = set()
    for field in parsed:
        if field.name in seen:
            raise SpecError(f"field {field.name!r} is given twice")
        seen.add(field.name)
    access: Access = "open" if not auth else "public" if public else "owned"
    return ResourceSpec(name=name, plural=plural, fields=parsed, access=access)
