"""A whitelist parser from untrusted bound text to a SymPy expression, in bounded time.

The text is never evaluated: it is parsed with ``ast.parse(..., mode="eval")`` (which runs no
code) and the tree is walked node by node; anything not named below is rejected with
:class:`superpose.theory.errors.ClaimFileError`. No ``eval``, ``exec``, ``sympify`` or SymPy
string parser ever sees the text.

Grammar (``^`` is power, as in mathematics, and means exactly ``**``)::

    expr     := number | symbol | call | "(" expr ")"
              | expr ("+" | "-" | "*" | "/" | "^" | "**") expr | ("-" | "+") expr
    number   := an int or float literal, |value| <= 10**6 (no complex, strings, booleans, None)
    symbol   := mp | m | n | s | b                 (m', m, n, s, b; all positive)
    call     := log(expr) | log(expr, expr) | sqrt(expr) | exp(expr)
              | factorial(expr) | binomial(expr, expr)      (positional arguments only)

A construction's count formula or failure bound (:mod:`superpose.theory.constructions`) is
parsed by the same walk with two additions: ``names`` (the construction's constants and the
formula's earlier steps, each standing for its SymPy value) and the functions of
:data:`FORMULA_FUNCTIONS`, which add ``ceil(x)``, ``floor(x)``, ``max(a, b)`` and ``min(a, b)``.

``log(x)`` is the logarithm base 2 (the paper's log) and ``log(x, b)`` is base ``b``.
Precedence is Python's once ``^`` is read as ``**``: ``mp*log(mp)^2`` is ``mp*(log(mp)^2)``,
``-x^2`` is ``-(x^2)`` and ``2^3^4`` is ``2^(3^4)``.

Limits that keep parsing and building bounded in time and memory (all rejections, never
truncations): at most 500 characters; at most 30 levels and 200 nodes in the syntax tree; no
numeric literal above 10**6 in absolute value; no towers, i.e. the base and exponent of a power,
and the argument of ``exp`` or ``factorial``, contain no power, ``exp`` or ``factorial``
themselves (``mp^2``, ``2^mp``, ``mp^(1/2)`` and ``exp(mp)`` are fine; ``2^2^2``,
``mp^mp^mp``, ``exp(exp(mp))`` and ``2^exp(mp)`` are not); a power of two numbers only when its
value is small; ``factorial`` and ``binomial`` of numbers only up to 1000, and ``binomial(n,
k)`` only when ``n - k``, if a number, is too (it is ``n! / (k! (n - k)!)``: ``binomial(mp +
999999, mp)`` would compute 999999!); in their arguments, in a claim file, no number above
1000, and ``s`` or ``b`` (which the suite sets to numbers) only linearly, times an integer of
at most 16 in absolute value (``binomial(m, s)``, ``factorial(s + 1)`` and ``factorial(2*s)``
are fine; ``factorial(1000 * s)``, ``factorial(s * s)`` and ``binomial(m + 999999, mp)`` are
not); and the result must be finite (``1/0`` and ``log(0)`` are rejected).
"""

from __future__ import annotations

import ast
import math
import warnings
from collections.abc import Mapping
from fractions import Fraction

import sympy

from superpose.theory._symbols import SYMBOLS, B, S
from superpose.theory.errors import ClaimFileError

__all__ = [
    "FORMULA_FUNCTIONS",
    "FUNCTIONS",
    "MAX_DEPTH",
    "MAX_FACTORIAL_ARGUMENT",
    "MAX_LITERAL",
    "MAX_NODES",
    "MAX_TEXT_LENGTH",
    "parse_bound",
]

#: The functions a bound may call, and how many positional arguments each takes.
FUNCTIONS: dict[str, tuple[int, ...]] = {
    "log": (1, 2),
    "sqrt": (1,),
    "exp": (1,),
    "factorial": (1,),
    "binomial": (2,),
}

#: What a construction's formulas may call besides :data:`FUNCTIONS`.
FORMULA_FUNCTIONS: dict[str, tuple[int, ...]] = {
    **FUNCTIONS, "ceil": (1,), "floor": (1,), "max": (2,), "min": (2,),
}

MAX_TEXT_LENGTH = 500
MAX_DEPTH = 30
MAX_NODES = 200
MAX_LITERAL = 10**6
MAX_FACTORIAL_ARGUMENT = 1000
# s and b may appear in a claim file's factorial or binomial argument as k*s, |k| <= MAX_SLOPE
MAX_SLOPE = 16
_MAX_POWER_BITS = 4096  # a power of two numbers may have at most about this many bits
_MAX_POWER_EXPONENT = 1000

_HINT = ("use only numbers, mp m n s b, + - * / ^ ** ( ) and "
         "log sqrt exp factorial binomial")
_LIMIT_HINT = "write a simpler bound"
_SHOW = 80  # longest bound text quoted in a message

_GROWTH_CALLS = ("exp", "factorial")
_ROUNDING = {"ceil": sympy.ceiling, "floor": sympy.floor, "max": sympy.Max, "min": sympy.Min}
# operator and context nodes: leaves that the size limits do not count
_UNCOUNTED = (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)

_OPERATOR_TOKENS = {
    ast.MatMult: "@", ast.Mod: "%", ast.FloorDiv: "//", ast.LShift: "<<", ast.RShift: ">>",
    ast.BitOr: "|", ast.BitAnd: "&", ast.Not: "not", ast.Invert: "~",
    ast.And: "and", ast.Or: "or",
}


class _Rejected(Exception):
    """Internal: a rejection reason, turned into one ClaimFileError line by parse_bound."""

    def __init__(self, reason: str, hint: str = _HINT) -> None:
        super().__init__(reason)
        self.reason = reason
        self.hint = hint


def _quote(text: str, limit: int = _SHOW) -> str:
    """``repr`` of ``text`` on one line, shortened to about ``limit`` characters."""
    text = " ".join(text.split())
    if len(text) > limit:
        text = text[: limit - 3] + "..."
    return repr(text)


def _fail(where: str, text: str, reason: str, hint: str | None) -> ClaimFileError:
    message = f"{where}: bound {_quote(text)}: {reason}"
    if hint:
        message += f"; {hint}"
    return ClaimFileError(message)


class _Source:
    """The text as written and as parsed (``^`` rewritten to ``**``), with an offset map."""

    def __init__(self, original: str) -> None:
        self.original = original
        parts: list[str] = []
        byte_map: list[int] = []  # byte offset in the parsed text -> index in the original
        char_map: list[int] = []  # char offset in the parsed text -> index in the original
        for i, ch in enumerate(original):
            if ch in "\r\n\t\f\v":
                ch = " "  # line breaks are plain whitespace in a bound
            piece = "**" if ch == "^" else ch
            parts.append(piece)
            char_map.extend([i] * len(piece))
            byte_map.extend([i] * len(piece.encode("utf-8", "surrogatepass")))
        byte_map.append(len(original))
        char_map.append(len(original))
        self.parsed = "".join(parts)
        self._byte_map = byte_map
        self._char_map = char_map

    def column(self, parsed_char_offset: int) -> int:
        """The 0-based column in the original text of a character offset in the parsed one."""
        offset = min(max(parsed_char_offset, 0), len(self._char_map) - 1)
        return self._char_map[offset]

    def segment(self, node: ast.AST) -> str:
        """The original text of ``node`` (empty when the node carries no position)."""
        start = getattr(node, "col_offset", None)
        end = getattr(node, "end_col_offset", None)
        if start is None or end is None:
            return ""
        last = len(self._byte_map) - 1
        start, end = min(max(start, 0), last), min(max(end, 0), last)
        return self.original[self._byte_map[start]: self._byte_map[end]]


def _check_size(tree: ast.Expression) -> None:
    """Reject trees deeper than MAX_DEPTH or with more than MAX_NODES nodes (iteratively)."""
    count = 0
    stack: list[tuple[ast.AST, int]] = [(tree.body, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, _UNCOUNTED):
            continue
        count += 1
        if depth > MAX_DEPTH:
            raise _Rejected(f"expression nested deeper than {MAX_DEPTH} levels", _LIMIT_HINT)
        if count > MAX_NODES:
            raise _Rejected(f"expression has more than {MAX_NODES} parts", _LIMIT_HINT)
        stack.extend((child, depth + 1) for child in ast.iter_child_nodes(node))


def _has_growth(node: ast.AST) -> bool:
    """Whether ``node`` contains a power, ``exp`` or ``factorial`` (a tower's inner level);
    ``exp`` of a small literal (``exp(1)``, the base of ``log(x, exp(1))``) is a constant."""
    for sub in ast.walk(node):
        if isinstance(sub, ast.BinOp) and isinstance(sub.op, (ast.Pow, ast.BitXor)):
            return True
        if (isinstance(sub, ast.Call) and isinstance(sub.func, ast.Name)
                and sub.func.id in _GROWTH_CALLS and not _small_exp(sub)):
            return True
    return False


def _small_exp(call: ast.Call) -> bool:
    """``exp(c)`` of one int or float literal with |c| <= 64."""
    args = call.args
    return (call.func.id == "exp" and len(args) == 1 and isinstance(args[0], ast.Constant)
            and isinstance(args[0].value, (int, float)) and not isinstance(args[0].value, bool)
            and abs(args[0].value) <= 64)


def _bits(expr: sympy.Expr) -> int:
    """The largest bit length among the rational numbers in a numeric expression (>= 1)."""
    best = 1
    for atom in expr.atoms(sympy.Rational):
        best = max(best, int(atom.p).bit_length(), int(atom.q).bit_length())
    return best


class _Builder:
    """Walks a size-checked tree, rejecting anything off the whitelist, and builds SymPy."""

    def __init__(self, source: _Source, names: Mapping[str, sympy.Expr] | None,
                 functions: Mapping[str, tuple[int, ...]]) -> None:
        self.source = source
        self.names = names or {}
        # a construction's formula (names given) may nest powers (see parse_bound); a claim
        # file's bound may not, and has its factorial arguments held (check_substituted)
        self.formula = names is not None
        self.functions = functions

    def tok(self, node: ast.AST) -> str:
        return _quote(self.source.segment(node), 60)

    def generic_children(self, node: ast.AST) -> None:
        """Visit a forbidden node's sub-expressions first, so the innermost culprit is named."""
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.expr):
                self.build(child)

    def build(self, node: ast.AST) -> sympy.Expr:
        """Build ``node``, refusing any part whose value is not finite (``1/0``, ``log(0)``)."""
        expr = self.build_node(node)
        if expr.has(sympy.zoo, sympy.nan, sympy.oo, -sympy.oo):
            raise _Rejected(f"{self.tok(node)} is not finite (a division by zero or log of 0?)",
                            _LIMIT_HINT)
        return expr

    def build_node(self, node: ast.AST) -> sympy.Expr:
        if isinstance(node, ast.Constant):
            return self.constant(node)
        if isinstance(node, ast.Name):
            return self.name(node)
        if isinstance(node, ast.UnaryOp):
            if isinstance(node.op, (ast.USub, ast.UAdd)):
                operand = self.build(node.operand)
                return -operand if isinstance(node.op, ast.USub) else operand
            self.build(node.operand)
            op = _OPERATOR_TOKENS.get(type(node.op), type(node.op).__name__)
            raise _Rejected(f"operator {op!r} in {self.tok(node)} is not allowed")
        if isinstance(node, ast.BinOp):
            return self.binop(node)
        if isinstance(node, ast.Call):
            return self.call(node)
        # everything below is forbidden; name the construct and its text
        if isinstance(node, ast.Attribute):
            self.build(node.value)
            raise _Rejected(f"attribute access {'.' + node.attr!r} is not allowed")
        if isinstance(node, ast.Lambda):
            raise _Rejected(f"lambda {self.tok(node)} is not allowed")
        if isinstance(node, ast.NamedExpr):
            raise _Rejected(f"assignment ':=' in {self.tok(node)} is not allowed")
        kinds = [
            (ast.Subscript, "subscript"), (ast.List, "list"), (ast.Tuple, "tuple"),
            (ast.Set, "set"), (ast.Dict, "dict"), (ast.Compare, "comparison"),
            (ast.BoolOp, "boolean operator"), (ast.IfExp, "conditional expression"),
            (ast.Starred, "starred expression"),
            ((ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp), "comprehension"),
            ((ast.JoinedStr, ast.FormattedValue), "f-string"),
            ((ast.Await, ast.Yield, ast.YieldFrom), "generator or await expression"),
            (ast.Slice, "slice"),
        ]
        for types, label in kinds:
            if isinstance(node, types):
                if label not in ("comprehension", "f-string"):
                    self.generic_children(node)
                raise _Rejected(f"{label} {self.tok(node)} is not allowed")
        raise _Rejected(f"{type(node).__name__} {self.tok(node)} is not allowed")

    def constant(self, node: ast.Constant) -> sympy.Expr:
        value = node.value
        if isinstance(value, bool) or value is None or value is Ellipsis:
            raise _Rejected(f"constant {self.tok(node)} is not allowed")
        if isinstance(value, (str, bytes)):
            kind = "string" if isinstance(value, str) else "bytes"
            raise _Rejected(f"{kind} {self.tok(node)} is not allowed")
        if isinstance(value, complex):
            raise _Rejected(f"complex number {self.tok(node)} is not allowed")
        if isinstance(value, int):
            if abs(value) > MAX_LITERAL:
                raise _Rejected(f"number {self.tok(node)} exceeds 10**6 in absolute value",
                                _LIMIT_HINT)
            return sympy.Integer(value)
        if isinstance(value, float):
            if not math.isfinite(value) or abs(value) > MAX_LITERAL:
                raise _Rejected(f"number {self.tok(node)} exceeds 10**6 in absolute value",
                                _LIMIT_HINT)
            fraction = Fraction(str(value))
            return sympy.Rational(fraction.numerator, fraction.denominator)
        raise _Rejected(f"constant {self.tok(node)} is not allowed")

    def name(self, node: ast.Name) -> sympy.Expr:
        if node.id in self.names:
            return self.names[node.id]
        if node.id in SYMBOLS:
            return SYMBOLS[node.id]
        if node.id in self.functions:
            raise _Rejected(f"function {node.id!r} must be called, as in {node.id}(mp)")
        known = ", ".join([*SYMBOLS, *self.names])
        raise _Rejected(f"unknown name {node.id!r} (the names are {known})")

    def binop(self, node: ast.BinOp) -> sympy.Expr:
        op = node.op
        if isinstance(op, (ast.Pow, ast.BitXor)):
            if not self.formula and (_has_growth(node.left) or _has_growth(node.right)):
                raise _Rejected(f"nested power {self.tok(node)} (a tower) is not allowed",
                                "use at most one level of ^, exp or factorial")
            base, exponent = self.build(node.left), self.build(node.right)
            return self.power(node, base, exponent)
        if not isinstance(op, (ast.Add, ast.Sub, ast.Mult, ast.Div)):
            self.build(node.left)
            self.build(node.right)
            token = _OPERATOR_TOKENS.get(type(op), type(op).__name__)
            raise _Rejected(f"operator {token!r} in {self.tok(node)} is not allowed")
        left, right = self.build(node.left), self.build(node.right)
        if isinstance(op, ast.Add):
            return sympy.Add(left, right)
        if isinstance(op, ast.Sub):
            return sympy.Add(left, sympy.Mul(sympy.Integer(-1), right))
        if isinstance(op, ast.Mult):
            return sympy.Mul(left, right)
        return sympy.Mul(left, sympy.Pow(right, sympy.Integer(-1)))

    def power(self, node: ast.AST, base: sympy.Expr, exponent: sympy.Expr) -> sympy.Expr:
        """``base**exponent``, refusing numeric powers whose value would be huge."""
        if base.is_number and exponent.is_number:
            too_big = _Rejected(f"numeric power {self.tok(node)} is too large to evaluate",
                                _LIMIT_HINT)
            if not exponent.is_Rational:
                if _bits(base) > 64 or _bits(exponent) > 64:
                    raise too_big
                return sympy.Pow(base, exponent, evaluate=False)
            p, q = abs(int(exponent.p)), int(exponent.q)
            if p > _MAX_POWER_EXPONENT or q > 64 or p * _bits(base) > _MAX_POWER_BITS:
                raise too_big
            if q > 1 and _bits(base) > 256:
                raise too_big
        return sympy.Pow(base, exponent)

    def call(self, node: ast.Call) -> sympy.Expr:
        func = node.func
        if not isinstance(func, ast.Name):
            self.build(func)
            raise _Rejected(f"call of {self.tok(func)} is not allowed")
        name = func.id
        if name not in self.functions:
            if name in SYMBOLS or name in self.names:
                raise _Rejected(f"symbol {name!r} cannot be called; write {name}*(...)")
            allowed = ", ".join(self.functions)
            raise _Rejected(f"call of {name!r} is not allowed (the functions are {allowed})")
        if node.keywords:
            kw = node.keywords[0]
            token = self.source.segment(kw) or (f"**{kw.arg}" if kw.arg is None else kw.arg)
            raise _Rejected(f"keyword argument {_quote(token, 60)} in {name}() is not allowed")
        for arg in node.args:
            if isinstance(arg, ast.Starred):
                raise _Rejected(f"starred argument {self.tok(arg)} in {name}() is not allowed")
        counts = self.functions[name]
        if len(node.args) not in counts:
            wanted = " or ".join(str(c) for c in counts)
            raise _Rejected(f"{name}() takes {wanted} argument(s), got {len(node.args)} in "
                            f"{self.tok(node)}")
        if name in _GROWTH_CALLS and not self.formula and _has_growth(node.args[0]):
            raise _Rejected(f"nested power {self.tok(node)} (a tower) is not allowed",
                            "use at most one level of ^, exp or factorial")
        args = [self.build(arg) for arg in node.args]
        if name == "log":
            base = args[1] if len(args) == 2 else sympy.Integer(2)
            return sympy.log(args[0], base)
        if name == "sqrt":
            return sympy.sqrt(args[0])
        if name == "exp":
            return sympy.exp(args[0])
        if name in _ROUNDING:
            return _ROUNDING[name](*args)
        if name == "factorial":
            self.check_small(node, args[0])
            self.check_substituted(node, args[0])
            return sympy.factorial(args[0])
        n, k = args
        self.check_small(node, n)
        self.check_small(node, k)
        # binomial(n, k) is n! / (k! (n - k)!): SymPy evaluates a factorial of a number at
        # once, so n - k is held to the same limit (binomial(mp + 999999, mp) took 90 s)
        self.check_small(node, n - k)
        for arg in args:
            self.check_substituted(node, arg)
        if n.is_number and k.is_number and not (n.is_Rational and k.is_Rational):
            raise _Rejected(f"binomial of irrational numbers {self.tok(node)} is not allowed",
                            _LIMIT_HINT)
        return sympy.binomial(n, k)

    def check_substituted(self, node: ast.Call, arg: sympy.Expr) -> None:
        """Refuse, in a claim file's bound, an argument of factorial or binomial that a value
        the suite substitutes could make a huge number: one holding a number above
        MAX_FACTORIAL_ARGUMENT (m = m' makes binomial(m + 999999, mp) a factorial of 999999),
        or s or b (set to the sparsity and 1) other than as k*s or k*b with |k| <= MAX_SLOPE
        (factorial(s*s*...*s) at s = 3 never ended, inside a C call no timeout stops). A
        construction's formulas (binomial(s*t, t)) are the suite's own and small at the
        constants they are given."""
        if self.formula:
            return
        big = [a for a in arg.atoms(sympy.Number) if abs(a) > MAX_FACTORIAL_ARGUMENT]
        if big:
            raise _Rejected(f"{self.tok(node)} holds the number {big[0]} in an argument, above "
                            f"{MAX_FACTORIAL_ARGUMENT}", _LIMIT_HINT)
        for symbol in (S, B):
            slope = sympy.diff(arg, symbol)
            if arg.has(symbol) and not (slope.is_Integer and abs(slope) <= MAX_SLOPE):
                raise _Rejected(f"{self.tok(node)} uses {symbol} other than as an integer "
                                f"multiple of at most {MAX_SLOPE} in an argument; {symbol} is "
                                "set to a number, which could make the factorial too large",
                                _LIMIT_HINT)

    def check_small(self, node: ast.Call, arg: sympy.Expr) -> None:
        """Refuse factorial or binomial of a number above MAX_FACTORIAL_ARGUMENT."""
        if arg.is_Number and abs(arg) > MAX_FACTORIAL_ARGUMENT:
            raise _Rejected(
                f"{self.tok(node)} has a numeric argument above {MAX_FACTORIAL_ARGUMENT}",
                _LIMIT_HINT)


def parse_bound(text: str, claim_id: str = "?", *,
                names: Mapping[str, sympy.Expr] | None = None, where: str | None = None
                ) -> sympy.Expr:
    """Parse the bound ``text`` (see the module docstring for the grammar) into SymPy.

    Raises :class:`ClaimFileError` with a one-line message naming ``claim_id`` (or, when
    given, ``where``: who declared the text) and the offending token for anything outside the
    grammar or its limits. Runs no code from ``text``. With ``names`` (a formula's constants and
    earlier steps) those names are allowed too, and so are the calls of
    :data:`FORMULA_FUNCTIONS` and nested powers (a failure bound is a power of a Chernoff
    ratio): a formula comes with an installed construction, is evaluated only at a circuit's
    own sizes, and keeps every other limit.

    >>> parse_bound("ceil(c*log(mp))", names={"c": sympy.Symbol("c", positive=True)})
    ceiling(c*log(mp)/log(2))
    """
    where = f"claim {str(claim_id)!r}" if where is None else where
    functions = FUNCTIONS if names is None else FORMULA_FUNCTIONS
    if not isinstance(text, str):
        raise ClaimFileError(f"{where}: bound must be a string, not {type(text).__name__}")
    if len(text) > MAX_TEXT_LENGTH:
        raise _fail(where, text, f"bound has {len(text)} characters, more than "
                    f"{MAX_TEXT_LENGTH}", _LIMIT_HINT)
    stripped = text.strip()
    if not stripped:
        raise _fail(where, text, "bound is empty", _HINT)
    source = _Source(stripped)
    try:
        with warnings.catch_warnings():  # e.g. SyntaxWarning "invalid decimal literal"
            warnings.simplefilter("ignore")
            tree = ast.parse(source.parsed, mode="eval")
    except SyntaxError as exc:
        offset = exc.offset if exc.offset and exc.offset > 0 else len(source.parsed) + 1
        if exc.lineno is not None and exc.lineno > 1:
            offset = len(source.parsed) + 1
        column = source.column(offset - 1)
        raise _fail(where, stripped, f"syntax error at column {column}", None) from None
    except (ValueError, RecursionError, MemoryError, OverflowError) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise _fail(where, stripped, f"cannot be parsed ({reason})", _HINT) from None
    try:
        _check_size(tree)
        expr = _Builder(source, names, functions).build(tree.body)
    except _Rejected as exc:
        raise _fail(where, stripped, exc.reason, exc.hint) from None
    except RecursionError:
        raise _fail(where, stripped, "expression too deeply nested", _LIMIT_HINT) from None
    except (TypeError, ValueError, ArithmeticError, NotImplementedError) as exc:
        # SymPy refused to combine two parts; the whitelist already ran no user code
        reason = " ".join(str(exc).split())[:80] or type(exc).__name__
        raise _fail(where, stripped, f"cannot be evaluated ({reason})", _LIMIT_HINT) from None
    return expr
