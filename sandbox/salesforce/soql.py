"""SOQL, parsed with a lark grammar (LALR, contextual lexer) into a small syntax tree.

Supported: field lists with parent relationship paths, ``COUNT()`` and the aggregate functions
(``COUNT``, ``COUNT_DISTINCT``, ``MIN``, ``MAX``, ``SUM``, ``AVG``, optional alias), ``WHERE`` with
``AND``/``OR``/``NOT`` and parentheses (mixing AND and OR without parentheses is an error, as in
Salesforce), ``= != <> < <= > >= IN NOT IN LIKE``, string/number/boolean/null/date/datetime
literals and the relative date literals, ``GROUP BY``, ``ORDER BY`` (ASC/DESC, NULLS FIRST/LAST),
``LIMIT`` and ``OFFSET``. Errors carry Salesforce's message layout (the caret under the query).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

GRAMMAR = r"""
start: "SELECT"i select_list "FROM"i NAME where? group_by? order_by? limit? offset?

select_list: select_item ("," select_item)*
?select_item: field_path
            | COUNT "(" field_path? ")" NAME?       -> count
            | AGGREGATE "(" field_path ")" NAME?    -> aggregate
COUNT: "COUNT"i
AGGREGATE.2: /(COUNT_DISTINCT|MIN|MAX|SUM|AVG)(?=\s*\()/i

field_path: NAME ("." NAME)*

where: "WHERE"i condition
?condition: simple | and_chain | or_chain
and_chain: simple ("AND"i simple)+
or_chain: simple ("OR"i simple)+
?simple: comparison
       | "(" condition ")"
       | "NOT"i simple                                  -> not_
comparison: field_path OPERATOR value                    -> compare
          | field_path "IN"i "(" value ("," value)* ")"        -> in_
          | field_path "NOT"i "IN"i "(" value ("," value)* ")" -> not_in
          | field_path "LIKE"i value                     -> like
OPERATOR: "=" | "!=" | "<>" | "<=" | ">=" | "<" | ">"

?value: STRING | NUMBER | DATETIME | DATE | TRUE | FALSE | NULL | DATE_LITERAL | DATE_N_LITERAL
TRUE: "TRUE"i
FALSE: "FALSE"i
NULL: "NULL"i

group_by: "GROUP"i "BY"i field_path ("," field_path)*
order_by: "ORDER"i "BY"i order_item ("," order_item)*
order_item: field_path DIRECTION? nulls?
DIRECTION: "ASC"i | "DESC"i
nulls: "NULLS"i NULLS_WHERE
NULLS_WHERE: "FIRST"i | "LAST"i
limit: "LIMIT"i INT
offset: "OFFSET"i INT

NAME: /[A-Za-z][A-Za-z0-9_]*/
STRING: /'(?:[^'\\]|\\.)*'/s
DATETIME.4: /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})/
DATE.3: /\d{4}-\d{2}-\d{2}/
DATE_N_LITERAL.2: /(LAST_N_DAYS|NEXT_N_DAYS|N_DAYS_AGO):\d+/i
DATE_LITERAL.2: /(YESTERDAY|TODAY|TOMORROW|LAST_WEEK|THIS_WEEK|NEXT_WEEK|LAST_MONTH|THIS_MONTH|NEXT_MONTH|LAST_90_DAYS|NEXT_90_DAYS|THIS_YEAR|LAST_YEAR|NEXT_YEAR)(?![A-Za-z0-9_])/i
NUMBER: /[+-]?\d+(\.\d+)?/
INT: /\d+/

%import common.WS
%ignore WS
"""

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


class _AliasOnCount(Exception):
    pass


class SoqlError(Exception):
    """A query Salesforce would refuse: ``error_code`` and a message in Salesforce's layout."""

    def __init__(self, error_code: str, message: str) -> None:
        super().__init__(message)
        self.error_code = error_code
        self.message = message


def located(query: str, line: int, column: int, text: str) -> str:
    """Salesforce's layout: the query line, a caret under the column, the position, the text."""
    lines = query.split("\n")
    shown = lines[line - 1] if 0 < line <= len(lines) else ""
    return f"\n{shown}\n{' ' * (column - 1)}^\nERROR at Row:{line}:Column:{column}\n{text}"


@dataclass(frozen=True)
class Pos:
    line: int
    column: int


@dataclass(frozen=True)
class Path:
    parts: tuple[str, ...]
    pos: Pos

    @property
    def text(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class CountAll:
    pos: Pos


@dataclass(frozen=True)
class Aggregate:
    function: str  # upper case
    path: Path
    alias: str | None
    pos: Pos


SelectItem = Path | CountAll | Aggregate


@dataclass(frozen=True)
class Literal:
    kind: str  # string number datetime date true false null date_literal date_n_literal
    text: str
    pos: Pos

    @property
    def quoted(self) -> bool:
        return self.kind == "string"


@dataclass(frozen=True)
class Compare:
    path: Path
    operator: str
    value: Literal


@dataclass(frozen=True)
class InList:
    path: Path
    values: tuple[Literal, ...]
    negated: bool


@dataclass(frozen=True)
class Like:
    path: Path
    value: Literal


@dataclass(frozen=True)
class Not:
    operand: Condition


@dataclass(frozen=True)
class Junction:
    operator: str  # AND / OR
    operands: tuple[Condition, ...]


Condition = Compare | InList | Like | Not | Junction


@dataclass(frozen=True)
class OrderItem:
    path: Path
    descending: bool
    nulls_first: bool


@dataclass(frozen=True)
class Query:
    text: str
    select: tuple[SelectItem, ...]
    sobject: str
    sobject_pos: Pos
    where: Condition | None
    group_by: tuple[Path, ...]
    order_by: tuple[OrderItem, ...]
    limit: int | None
    offset: int | None


def _pos(token: Token) -> Pos:
    return Pos(token.line or 1, token.column or 1)


@v_args(inline=True)
class _Build(Transformer[Token, Any]):
    def field_path(self, *names: Token) -> Path:
        return Path(tuple(str(n) for n in names), _pos(names[0]))

    def select_list(self, *items: SelectItem) -> tuple[SelectItem, ...]:
        return items

    def count(self, token: Token, *rest: Path | Token) -> CountAll | Aggregate:
        path = next((r for r in rest if isinstance(r, Path)), None)
        alias = next((str(r) for r in rest if isinstance(r, Token)), None)
        if path is None:
            if alias is not None:
                raise _AliasOnCount(alias)
            return CountAll(_pos(token))
        return Aggregate("COUNT", path, alias, _pos(token))

    def aggregate(self, function: Token, path: Path, alias: Token | None = None) -> Aggregate:
        return Aggregate(str(function).upper(), path, str(alias) if alias else None, _pos(function))

    def _literal(self, token: Token) -> Literal:
        return Literal(token.type.lower(), str(token), _pos(token))

    def compare(self, path: Path, operator: Token, value: Token) -> Compare:
        op = "!=" if str(operator) == "<>" else str(operator)
        return Compare(path, op, self._literal(value))

    def in_(self, path: Path, *values: Token) -> InList:
        return InList(path, tuple(self._literal(v) for v in values), negated=False)

    def not_in(self, path: Path, *values: Token) -> InList:
        return InList(path, tuple(self._literal(v) for v in values), negated=True)

    def like(self, path: Path, value: Token) -> Like:
        return Like(path, self._literal(value))

    def not_(self, operand: Condition) -> Not:
        return Not(operand)

    def and_chain(self, *operands: Condition) -> Junction:
        return Junction("AND", operands)

    def or_chain(self, *operands: Condition) -> Junction:
        return Junction("OR", operands)

    def where(self, condition: Condition) -> tuple[str, Condition]:
        return ("where", condition)

    def group_by(self, *paths: Path) -> tuple[str, tuple[Path, ...]]:
        return ("group_by", paths)

    def order_item(self, path: Path, *rest: Any) -> OrderItem:
        descending = any(isinstance(r, Token) and r.type == "DIRECTION" and r.upper() == "DESC" for r in rest)
        nulls = next((r for r in rest if isinstance(r, bool)), None)
        return OrderItem(path, descending, (not descending) if nulls is None else nulls)

    def nulls(self, where: Token) -> bool:
        return where.upper() == "FIRST"

    def order_by(self, *items: OrderItem) -> tuple[str, tuple[OrderItem, ...]]:
        return ("order_by", items)

    def limit(self, value: Token) -> tuple[str, int]:
        return ("limit", int(value))

    def offset(self, value: Token) -> tuple[str, int]:
        return ("offset", int(value))

    def start(self, select: tuple[SelectItem, ...], sobject: Token, *clauses: tuple[str, Any]) -> Query:
        parts = dict(clauses)
        return Query(
            text="",
            select=select,
            sobject=str(sobject),
            sobject_pos=_pos(sobject),
            where=parts.get("where"),
            group_by=parts.get("group_by", ()),
            order_by=parts.get("order_by", ()),
            limit=parts.get("limit"),
            offset=parts.get("offset"),
        )


_PARSER = Lark(
    GRAMMAR, parser="lalr", lexer="contextual", propagate_positions=False, maybe_placeholders=False
)


def parse(text: str) -> Query:
    """The syntax tree of ``text``; raises SoqlError(MALFORMED_QUERY) on a syntax error."""
    try:
        tree = _PARSER.parse(text)
        query: Query = _Build().transform(tree)
    except UnexpectedInput as exc:
        raise SoqlError("MALFORMED_QUERY", _syntax_message(text, exc)) from None
    except VisitError as exc:
        if isinstance(exc.orig_exc, _AliasOnCount):
            alias = str(exc.orig_exc)
            at = text.find(alias, text.upper().find("COUNT"))
            before = text[:at].split("\n")
            message = f"unexpected token: '{alias}'"
            raise SoqlError(
                "MALFORMED_QUERY", located(text, len(before), len(before[-1]) + 1, message)
            ) from None
        raise
    return Query(
        text, query.select, query.sobject, query.sobject_pos, query.where, query.group_by,
        query.order_by, query.limit, query.offset,
    )  # fmt: skip


def _syntax_message(text: str, exc: UnexpectedInput) -> str:
    if isinstance(exc, UnexpectedToken) and exc.token.type != "$END":
        token = exc.token
        return located(text, token.line or 1, token.column or 1, f"unexpected token: '{token}'")
    if isinstance(exc, UnexpectedCharacters):
        word = text[exc.pos_in_stream :].split(None, 1)[0] if text[exc.pos_in_stream :].strip() else ""
        return located(text, exc.line, exc.column, f"unexpected token: '{word[:40]}'")
    if isinstance(exc, UnexpectedEOF | UnexpectedToken):
        lines = text.split("\n")
        return located(text, len(lines), len(lines[-1]) + 1, "unexpected token: '<EOF>'")
    return located(text, 1, 1, "unexpected token")  # pragma: no cover


def unescape(literal: Literal, query: str, *, like: bool = False) -> str:
    """The value of a quoted string; with ``like``, ``\\%`` and ``\\_`` stay escaped for the pattern."""
    body = literal.text[1:-1]
    out: list[str] = []
    index = 0
    while index < len(body):
        char = body[index]
        if char != "\\":
            out.append(char)
            index += 1
            continue
        code = body[index + 1 : index + 2]
        if code in _ESCAPES:
            out.append(_ESCAPES[code])
            index += 2
        elif code in ("%", "_"):
            out.append("\\" + code if like else code)
            index += 2
        elif code == "u" and len(body) >= index + 6:
            try:
                out.append(chr(int(body[index + 2 : index + 6], 16)))
            except ValueError:
                raise _bad_escape(literal, query, body[index : index + 6]) from None
            index += 6
        else:
            raise _bad_escape(literal, query, body[index : index + 2])
    return "".join(out)


def _bad_escape(literal: Literal, query: str, sequence: str) -> SoqlError:
    message = (
        f"Invalid string literal '{literal.text[1:-1]}'. "
        f"Illegal character sequence '{sequence}' in string literal."
    )
    return SoqlError("MALFORMED_QUERY", located(query, literal.pos.line, literal.pos.column, message))
