"""Insertions into the project's own files, found by the code around them, never by markers.

Each function takes a module's source and returns it with one thing added, formatted as
black and ruff's isort would write it. When the code it needs to find is not there (the
file was changed by hand beyond recognition), it raises `EditError` naming what it looked
for; the caller then writes nothing at all.
"""

import ast
import re
import sys
from collections.abc import Callable

FIRST_PARTY = ("app", "tests")
INDENT = "    "


class EditError(Exception):
    """A file lacks the code an insertion is anchored to."""


def _lines(source: str) -> list[str]:
    return source.splitlines(keepends=True)


def _parse(source: str) -> ast.Module:
    try:
        return ast.parse(source)
    except SyntaxError as error:
        raise EditError(f"is not valid Python (line {error.lineno}): fix it first") from None


def _member_key(name: str) -> tuple[int, str, str]:
    """isort's order of names in one import: CONSTANTS, then Classes, then the rest."""
    rank = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return rank, name.lower(), name


def _is_first_party(module: str) -> bool:
    return module.split(".")[0] in FIRST_PARTY


def _top_imports(tree: ast.Module) -> list[ast.Import | ast.ImportFrom]:
    """The import statements at the top of the module, before its first other statement."""
    found: list[ast.Import | ast.ImportFrom] = []
    for node in tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        elif not (found == [] and _is_docstring(node)):
            break
    return found


def _is_docstring(node: ast.stmt) -> bool:
    return (
        isinstance(node, ast.Expr)
        and isinstance(node.value, ast.Constant)
        and isinstance(node.value.value, str)
    )


def _render_from(module: str, names: list[str], line_length: int) -> str:
    one_line = f"from {module} import {', '.join(names)}\n"
    if len(one_line) - 1 <= line_length:
        return one_line
    return f"from {module} import (\n" + "".join(f"{INDENT}{name},\n" for name in names) + ")\n"


def add_import(source: str, module: str, name: str, *, line_length: int = 100) -> str:
    """Import `name` from the first-party `module`, joining an existing import of it."""
    tree = _parse(source)
    lines = _lines(source)
    imports = _top_imports(tree)
    for node in imports:
        if isinstance(node, ast.ImportFrom) and node.module == module and node.level == 0:
            names = [a.name if a.asname is None else f"{a.name} as {a.asname}" for a in node.names]
            if name in names:
                return source
            assert node.end_lineno is not None
            statement = "".join(lines[node.lineno - 1 : node.end_lineno])
            if "#" in statement:
                raise EditError(
                    f"line {node.lineno}: the import from {module} has comments; "
                    f"add {name} to it by hand"
                )
            names = sorted([*names, name], key=lambda text: _member_key(text.split(" ")[0]))
            if node.lineno == node.end_lineno:
                new = _render_from(module, names, line_length)
            else:
                new = (
                    f"from {module} import (\n" + "".join(f"{INDENT}{n},\n" for n in names) + ")\n"
                )
            lines[node.lineno - 1 : node.end_lineno] = [new]
            return "".join(lines)
    return _add_import_statement(lines, imports, module, f"from {module} import {name}\n")


def _add_import_statement(
    lines: list[str], imports: list[ast.Import | ast.ImportFrom], module: str, statement: str
) -> str:
    first_party = [
        node
        for node in imports
        if isinstance(node, ast.ImportFrom) and node.module and _is_first_party(node.module)
    ]
    if first_party:
        after = [node for node in first_party if (node.module or "").lower() < module.lower()]
        if after:
            end = after[-1].end_lineno
            assert end is not None
            lines.insert(end, statement)
        else:
            lines.insert(first_party[0].lineno - 1, statement)
    elif imports:
        end = imports[-1].end_lineno
        assert end is not None
        lines.insert(end, "\n" + statement)
    else:
        raise EditError(f"has no import to put `{statement.strip()}` after")
    return "".join(lines)


def add_line_after(source: str, anchors: list[str], line: str) -> str:
    """Add `line` after the last line matching the first of `anchors` that matches one."""
    lines = _lines(source)
    for anchor in anchors:
        pattern = re.compile(anchor)
        found = [index for index, text in enumerate(lines) if pattern.match(text)]
        if found:
            lines.insert(found[-1] + 1, line + "\n")
            return "".join(lines)
    raise EditError(f"has no line like {anchors[-1]!r} to add `{line.strip()}` after")


def _find_class(tree: ast.Module, name: str) -> ast.ClassDef:
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == name:
            return node
    raise EditError(f"has no class {name}")


def add_to_class(
    source: str, class_name: str, block: str, *, after: Callable[[ast.stmt], bool]
) -> str:
    """Add `block` (indented lines) to a class, after its last statement that `after` picks.

    With no such statement it goes right after the class docstring, or first in the class.
    A block of several lines is set off by a blank line, as black writes methods.
    """
    tree = _parse(source)
    lines = _lines(source)
    cls = _find_class(tree, class_name)
    chosen = [node for node in cls.body if after(node)]
    separate = block.count("\n") > 1
    if chosen:
        end = chosen[-1].end_lineno
    elif _is_docstring(cls.body[0]):
        end, separate = cls.body[0].end_lineno, True
    else:
        raise EditError(f"class {class_name} has neither a docstring nor a line to add after")
    assert end is not None
    lines.insert(end, ("\n" if separate else "") + block)
    return "".join(lines)


def add_to_method(
    source: str, class_name: str, method: str, line: str, *, after: Callable[[ast.stmt], bool]
) -> str:
    """Add `line` to a method of a class, after its last statement that `after` picks.

    With no such statement it goes first in the method, after its docstring.
    """
    tree = _parse(source)
    lines = _lines(source)
    cls = _find_class(tree, class_name)
    for node in cls.body:
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == method:
            chosen = [statement for statement in node.body if after(statement)]
            if chosen:
                end = chosen[-1].end_lineno
            elif _is_docstring(node.body[0]):
                end = node.body[0].end_lineno
            else:
                end = node.body[0].lineno - 1
            assert end is not None
            lines.insert(end, INDENT * 2 + line + "\n")
            return "".join(lines)
    raise EditError(f"has no method {class_name}.{method}")


def add_to_collection(source: str, variable: str, entries: list[str]) -> str:
    """Add `entries` (one per line, indented) at the end of the literal assigned to `variable`."""
    tree = _parse(source)
    lines = _lines(source)
    for node in tree.body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        if any(isinstance(t, ast.Name) and t.id == variable for t in targets):
            value = node.value  # type: ignore[attr-defined]
            if isinstance(value, ast.Set | ast.List | ast.Tuple | ast.Dict) and (
                value.lineno != value.end_lineno
            ):
                assert value.end_lineno is not None
                lines[value.end_lineno - 1 : value.end_lineno - 1] = [
                    f"{INDENT}{entry},\n" for entry in entries
                ]
                return "".join(lines)
    raise EditError(f"has no literal `{variable} = ...` over several lines to add to")


def _section(module: str) -> int:
    top = module.split(".")[0]
    if top in FIRST_PARTY:
        return 2
    return 0 if top in sys.stdlib_module_names else 1


def sort_imports(source: str, *, line_length: int = 100) -> str:
    """Write the imports at the top of a new module as ruff's isort does.

    The templates list the imports each file needs, some only for some fields; this puts
    them in sections (standard library, third party, first party), sorted, one blank line
    apart.
    """
    tree = _parse(source)
    imports = _top_imports(tree)
    if not imports:
        return source
    lines = _lines(source)
    start, end = imports[0].lineno - 1, imports[-1].end_lineno
    assert end is not None
    sections: list[list[tuple[tuple[int, str], str]]] = [[], [], []]
    merged: dict[str, list[str]] = {}
    for node in imports:
        if isinstance(node, ast.Import):
            for alias in node.names:
                text = alias.name + (f" as {alias.asname}" if alias.asname else "")
                sections[_section(alias.name)].append(((0, alias.name.lower()), f"import {text}\n"))
        else:
            module = node.module or ""
            names = merged.setdefault(module, [])
            names += [a.name + (f" as {a.asname}" if a.asname else "") for a in node.names]
    for module, names in merged.items():
        unique = sorted(set(names), key=lambda text: _member_key(text.split(" ")[0]))
        sections[_section(module)].append(
            ((1, module.lower()), _render_from(module, unique, line_length))
        )
    block = "\n".join("".join(text for _, text in sorted(group)) for group in sections if group)
    return "".join(lines[:start]) + block + "".join(lines[end:])


_SIGNATURE = re.compile(
    r"^(?P<indent> *)(?P<head>(?:async )?def \w+)\((?P<params>.*)\)(?P<tail> -> .+:)$"
)


def _split_top_level(text: str) -> list[str]:
    parts, depth, current = [], 0, ""
    for char in text:
        depth += char in "([{"
        depth -= char in ")]}"
        if char == "," and depth == 0:
            parts.append(current.strip())
            current = ""
        else:
            current += char
    return [*parts, current.strip()] if current.strip() else parts


def wrap_signatures(source: str, *, line_length: int = 100) -> str:
    """Wrap each `def` line longer than `line_length` the way black does.

    The templates write every signature on one line; with long names, black would put
    the parameters on a line of their own, or one per line when that is still too long.
    """
    wrapped = []
    for line in _lines(source):
        match = _SIGNATURE.match(line.rstrip("\n"))
        if match is None or len(line.rstrip("\n")) <= line_length:
            wrapped.append(line)
            continue
        indent, inner = match["indent"], match["indent"] + INDENT
        params = _split_top_level(match["params"])
        hugged = inner + ", ".join(params)
        if len(hugged) <= line_length:
            body = hugged + "\n"
        else:
            body = "".join(f"{inner}{param},\n" for param in params)
        wrapped.append(f"{indent}{match['head']}(\n{body}{indent}){match['tail']}\n")
    return "".join(wrapped)
