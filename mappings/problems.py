"""Problems found in a mapping file, where they are, and the one error that reports them all.

Every problem is rendered as ``file:line:col: path.to.field: what is wrong, what to do``.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sponsorsync.connectors.errors import ConfigError

Path = tuple[str | int, ...]


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with the mapping. ``at_key``: point at the key itself (unknown keys)."""

    path: Path
    message: str
    at_key: bool = False


def format_path(path: Path) -> str:
    """``("titles", "rules", 3, "pattern")`` -> ``titles.rules[3].pattern``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text or "(top level)"


@dataclass(slots=True)
class SourceMap:
    """Line and column (1-based) of every key and value of a loaded YAML document."""

    file: str
    keys: dict[Path, tuple[int, int]] = field(default_factory=dict)
    values: dict[Path, tuple[int, int]] = field(default_factory=dict)

    @classmethod
    def build(cls, file: str, document: Any) -> SourceMap:
        source = cls(file)
        source.values[()] = (1, 1)
        source._walk(document, ())
        return source

    def _walk(self, node: Any, path: Path) -> None:
        lc = getattr(node, "lc", None)
        if isinstance(node, dict) and lc is not None:
            for key, value in node.items():
                child = (*path, key)
                line, col = lc.key(key)
                self.keys[child] = (line + 1, col + 1)
                line, col = lc.value(key)
                self.values[child] = (line + 1, col + 1)
                self._walk(value, child)
        elif isinstance(node, list) and lc is not None:
            for index, value in enumerate(node):
                child = (*path, index)
                line, col = lc.item(index)
                self.values[child] = self.keys[child] = (line + 1, col + 1)
                self._walk(value, child)

    def locate(self, path: Path, at_key: bool = False) -> tuple[int, int]:
        """Position of ``path``, or of its nearest ancestor present in the file."""
        table = self.keys if at_key else self.values
        if path in table:
            return table[path]
        for end in range(len(path) - 1, -1, -1):
            ancestor = path[:end]
            if ancestor in self.keys:  # a missing key: point at the key of the section it belongs in
                return self.keys[ancestor]
        return (1, 1)

    def render(self, problem: Problem) -> str:
        line, col = self.locate(problem.path, problem.at_key)
        return f"{self.file}:{line}:{col}: {format_path(problem.path)}: {problem.message}"

    def sort_key(self, problem: Problem) -> tuple[int, int, str]:
        line, col = self.locate(problem.path, problem.at_key)
        return (line, col, problem.message)


class MappingError(ConfigError):
    """A mapping file has problems. ``lines``: each one as ``file:line:col: path: message``."""

    def __init__(self, file: str, lines: Sequence[str], problems: Sequence[Problem] = ()) -> None:
        count = f"{len(lines)} problem" + ("s" if len(lines) != 1 else "")
        super().__init__(
            f"{file}: {count} in the mapping file\n" + "\n".join(lines),
            hint=f"fix them, then check with `sponsorsync mappings validate {file}`",
        )
        self.file = file
        self.lines = list(lines)
        self.problems = list(problems)


def raise_problems(source: SourceMap, problems: Iterable[Problem]) -> None:
    """Raise one :class:`MappingError` listing every problem in file order (nothing when none)."""
    ordered = sorted(set(problems), key=source.sort_key)
    if ordered:
        raise MappingError(source.file, [source.render(p) for p in ordered], ordered)
