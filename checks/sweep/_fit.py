"""Measurement maths of a sweep: growth read off counts at geometric sizes m'.

A quantity that grows like c m'^a has log(count) = log c + a log m'; the least-squares slope of
log(value) against log(m') estimates the exponent a (of a ratio count / f(m'): how much faster
than f the count grows). Fits are taken over the *top decade* (the sizes within a factor ten of
the largest), where lower-order terms matter least.
"""

from __future__ import annotations

import math

__all__ = ["slope", "top_decade"]


def slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(ratio) against log(m').

    >>> round(slope([(100, 1.0), (1000, 10.0)]), 6)
    1.0
    """
    xs = [math.log(m) for m, _ in points]
    ys = [math.log(r) for _, r in points]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    den = sum((x - mx) ** 2 for x in xs)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / den


def top_decade(rows: list[tuple]) -> list[tuple]:
    """The rows (m', ...) whose m' lies within a factor ten of the largest.

    >>> top_decade([(100, 'a'), (316, 'b'), (1000, 'c')])
    [(100, 'a'), (316, 'b'), (1000, 'c')]
    """
    largest = max(row[0] for row in rows)
    return [row for row in rows if row[0] * 10 >= largest]
