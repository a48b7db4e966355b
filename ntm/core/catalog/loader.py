"""Load criteria-set files (YAML) into checked, immutable objects.

Errors name the file, the line and the path inside the file, e.g.::

    xa-ntm-2021.yaml:212 criteria[9].indicators[0].thresholds[1].scope: unknown scope 'region:XYZ' …
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml
from pydantic import ValidationError

from .schema import CriteriaSetFile, OverlayFile

# libyaml when present: the shipped catalogue is ~2,500 lines and is loaded at every start
_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    path: str
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where} {self.path}: {self.message}" if self.path else f"{where}: {self.message}"


class CatalogError(Exception):
    """One or more problems in catalogue files; nothing was loaded."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


def _duplicate_keys(node: yaml.Node | None, path: str = "") -> list[tuple[int, str, str]]:
    """Repeated keys in mappings (YAML silently keeps the last one): (line, path, message)."""
    found: list[tuple[int, str, str]] = []
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for k, v in node.value:
            key = k.value if isinstance(k, yaml.ScalarNode) else None
            where = f"{path}.{key}" if path else str(key)
            if key is not None and key in seen:
                found.append((k.start_mark.line + 1, where, f"key {key!r} repeated (first on line {seen[key]})"))
            elif key is not None:
                seen[key] = k.start_mark.line + 1
            found.extend(_duplicate_keys(v, where))
    elif isinstance(node, yaml.SequenceNode):
        for n, item in enumerate(node.value):
            found.extend(_duplicate_keys(item, f"{path}[{n}]"))
    return found


def _path_str(loc: tuple) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


def _line_of(node: yaml.Node | None, loc: tuple) -> int | None:
    """Follow a pydantic error location through the YAML node tree to a line number."""
    best = node
    for part in loc:
        if node is None:
            break
        if isinstance(node, yaml.MappingNode) and isinstance(part, str):
            nxt = None
            for k, v in node.value:
                if isinstance(k, yaml.ScalarNode) and k.value == part:
                    nxt = v
                    best = k
                    break
            node = nxt
            if nxt is not None:
                best = nxt if not isinstance(nxt, (yaml.MappingNode, yaml.SequenceNode)) else best
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
            best = node
        else:
            break
    return best.start_mark.line + 1 if best is not None else None


def parse_text(text: str, name: str) -> tuple[dict, yaml.Node]:
    try:
        node = yaml.compose(text, Loader=_Loader)
        dups = _duplicate_keys(node)
        if dups:
            raise CatalogError([Problem(name, line, path, msg) for line, path, msg in dups])
        data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        line = mark.line + 1 if mark else None
        problem = getattr(exc, "problem", None) or str(exc)
        raise CatalogError([Problem(name, line, "", f"not valid YAML: {problem}")]) from None
    if not isinstance(data, dict):
        raise CatalogError([Problem(name, 1, "", "the file must be a mapping (key: value) at the top level")])
    return data, node


def line_in_file(path: Path | str, loc: tuple) -> int | None:
    """The line of ``loc`` (e.g. ``("conditions", 2, "set")``) in a file already known to be valid YAML;
    used for problems found only when files are checked against each other."""
    try:
        node = yaml.compose(Path(path).read_text(encoding="utf-8"), Loader=_Loader)
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return None
    return _line_of(node, loc)


def _validate(model: type, data: dict, node: yaml.Node, name: str):
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-after")))
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(name, _line_of(node, loc), _path_str(loc), msg))
        raise CatalogError(problems) from None


def load_set_text(text: str, name: str = "<text>") -> CriteriaSetFile:
    data, node = parse_text(text, name)
    if "overlay" in data:
        raise CatalogError([Problem(name, 1, "", "this is an overlay file, not a criteria set")])
    return _validate(CriteriaSetFile, data, node, name)


def load_file(path: Path) -> CriteriaSetFile | OverlayFile:
    name = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as exc:
        raise CatalogError([Problem(name, None, "", f"not UTF-8 text ({exc.reason} at byte {exc.start})")]) from None
    except OSError as exc:
        raise CatalogError([Problem(name, None, "", f"cannot read: {exc.strerror}")]) from None
    data, node = parse_text(text, name)
    model = OverlayFile if "overlay" in data else CriteriaSetFile
    return _validate(model, data, node, name)
