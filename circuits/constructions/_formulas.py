"""Count formulas of the built-in constructions: upper bounds on every circuit they build.

Each is a :class:`superpose.theory.constructions.CountFormulas`, written as steps in the
claim-file grammar (``log`` is base 2; ``mp`` is m'). The sizes are copied from the code,
ceilings included, so the finite check at a circuit's own m, m', s and constants is exact;
the premises say why each bound holds for every instance (every pair list or permutation),
not only for the families the suite draws. Derivations: paper_notes/theory.md.

Bits: a nonzero value v costs 1 + bit_length(|v|) <= 2 + log2 |v|, so bits <= params (2 +
log2 v_max) for a bound v_max on every weight and threshold.
"""

from __future__ import annotations

from superpose.theory.constructions import CountFormulas, FailureBound, FormulaStep

__all__ = ["AND2_COUNTS", "PERM_COUNTS", "REPRESENT_COUNTS", "REPRESENT_FAILURE", "naive_counts"]

_BITS = "bits <= params (2 + log2 v_max): a nonzero v costs 1 + bit_length(|v|)"

AND2_COUNTS = CountFormulas(
    constants=("c_d", "t_min", "c_r", "r_min", "c_shared", "heavy_factor"),
    steps=(
        FormulaStep("t", "max(t_min, ceil(log(m)))", "input support size, as built"),
        FormulaStep("r", "max(r_min, ceil(c_r*log(mp)))", "output support size, as built"),
        FormulaStep("d0", "ceil(c_d*max(sqrt(mp), s)*t)", "width of the input code, as built",
                    bounds="width[0]"),
        FormulaStep("d_out", "max(r, ceil(c_shared*s*sqrt(mp)*r))",
                    "width of the output code (and of the shared channel), as built",
                    bounds="width[2]"),
        FormulaStep("heavy_owners", "2*mp/(heavy_factor*sqrt(mp))",
                    "fewer than 2m'/cutoff owners are heavy",
                    ("a heavy owner has degree > cutoff = heavy_factor sqrt(m')",
                     "the degrees of all features sum to 2m'")),
        FormulaStep("n_ded", "2*s*r*(heavy_owners + sqrt(mp))",
                    "dedicated units: sum over heavy owners h of g_h <= 2sr + 2sr o_h/sqrt(m')",
                    ("g_h = o_h <= G_h for an exact group, else G_h = max(2sr, ceil(2sr o_h/"
                     "sqrt(m'))) <= 2sr + 2sr o_h/sqrt(m') (2sr is an integer >= 1)",
                     "the owned pairs o_h of heavy owners sum to at most m'")),
        FormulaStep("width1", "d_out + n_ded", "layer 1: the shared block and the dedicated one",
                    bounds="width[1]"),
        FormulaStep("neurons", "d0 + width1 + d_out", "every unit of layers 0, 1 and 2"),
        FormulaStep("weights1", "t*(2*r*mp + n_ded)",
                    "nonzero weights of layer 1: each unit's row of W1 = A S_P has at most t "
                    "entries per feature it reads",
                    ("shared unit q reads T_q; the T_q hold 2r entries per light pair",
                     "dedicated unit j reads B_j and its owner; the B_j hold |R_k| <= r "
                     "entries per heavy pair, the owners one per unit"), bounds="weights[1]"),
        FormulaStep("weights2", "d_out + r^2*mp",
                    "nonzero weights of layer 2: the copy edge of each shared unit, and |R_k| "
                    "edges into each of the r units of Q_k for every heavy pair k",
                    ("|R_k| <= r", "at most m' heavy pairs"), bounds="weights[2]"),
        FormulaStep("params", "weights1 + weights2 + width1 + d_out",
                    "nonzero weights plus one nonzero threshold per computing unit",
                    ("thresholds 2t, M_j t + t and r are all positive",)),
        FormulaStep("v_max", "mp*t^2 + 2*t + 2*mp + r*mp + r",
                    "every |weight| and threshold is at most this",
                    ("shared weights <= |T_q| <= 2m'", "M_j t + t <= (m' t + 1) t + t",
                     "a layer-2 weight sums at most r m' edges of weight <= r, or r itself")),
        FormulaStep("bits", "params*(2 + log(v_max))", _BITS),
    ),
)

PERM_COUNTS = CountFormulas(
    constants=("c_d", "t_min"),
    steps=(
        FormulaStep("t", "max(t_min, ceil(log(mp)))", "support size, as built"),
        FormulaStep("d", "ceil(c_d*sqrt(s*max(mp, s))*t)", "width of both codes, as built",
                    bounds="width[0]"),
        FormulaStep("neurons", "2*d", "the input layer and the output layer"),
        FormulaStep("weights1", "mp*t^2",
                    "W = A S_P with A = Q's incidence relabelled by perm: m' t entries, each "
                    "spread over the t units of one input support", ("perm is a bijection",),
                    bounds="weights[1]"),
        FormulaStep("params", "weights1 + d", "weights plus one threshold t per output unit"),
        FormulaStep("bits", "weights1*(2 + log(mp)) + d*(2 + log(t))", _BITS,
                    ("a weight counts outputs sharing a unit pair: <= m'",)),
    ),
)

REPRESENT_COUNTS = CountFormulas(
    constants=("c_w", "c_t", "t_extra"),
    steps=(
        FormulaStep("t", "max(1, ceil(c_t*log(mp)) + t_extra)", "support size, as built"),
        FormulaStep("d", "max(t, ceil(c_w*s*t))", "width of the code, as built",
                    bounds="width[0]"),
        FormulaStep("neurons", "d", "the code layer is the whole network"),
        FormulaStep("params", "0", "no computing layer: no weight, no threshold"),
        FormulaStep("bits", "0", "no parameter"),
    ),
)


def naive_counts(arity: int, theta: int, copies_inputs: bool = False) -> CountFormulas:
    """One unit per output reading its ``arity`` sources with weight 1 at threshold
    ``theta``; with ``copies_inputs`` no computing layer at all (representation)."""
    if copies_inputs:
        return CountFormulas((), (
            FormulaStep("neurons", "m", "the identity code: one unit per feature"),
            FormulaStep("params", "0", "no computing layer"),
            FormulaStep("bits", "0", "no parameter")))
    return CountFormulas((), (
        FormulaStep("neurons", "m + mp", "identity codes: one unit per input, one per output"),
        FormulaStep("params", f"{arity + 1}*mp",
                    f"{arity} weights and a threshold per output unit"),
        FormulaStep("bits", f"mp*(2*{arity} + 2 + log({theta}))",
                    "weights 1 cost 2 bits, the threshold 1 + bit_length(theta)")))


REPRESENT_FAILURE = FailureBound(
    constants=("c_w", "c_t", "t_extra"),
    steps=(
        FormulaStep("t", "max(1, ceil(c_t*log(mp)) + t_extra)", "support size, as built"),
        FormulaStep("d", "max(t, ceil(c_w*s*t))", "code width, as built"),
        FormulaStep("cover", "binomial(s*t, t)/binomial(d, t)",
                    "P(P_k inside U_A) for one inactive k and one active set A",
                    ("P_k is a uniform t-subset of [d], independent of U_A = the union of the "
                     "active supports", "|U_A| <= s t and C(x, t) grows with x")),
        FormulaStep("F", "mp*binomial(mp - 1, min(s, mp - 1))*cover",
                    "union bound over the output k and the active sets A of size min(s, m'-1) "
                    "not holding k",
                    ("every error is a false positive (y_k = AND of P_k, no weights)",
                     "a false positive under A stays one under any larger A without k (U_A "
                     "only grows)")),
    ),
    envelope=(
        FormulaStep("t_low", "c_t*log(mp) + t_extra", "t >= t_low"),
        FormulaStep("F_env", "mp^(s + 1)/factorial(s)*c_w^(-t_low)"
                             "*exp(-(1 - 1/c_w)*(t_low - 1)/(2*s))",
                    "F <= F_env: m' C(m'-1, s) <= m'^(s+1)/s!, and cover <= prod_i (st - i)/"
                    "(c_w st - i) <= c_w^-t exp(-(1 - 1/c_w) (t - 1)/(2s)), which falls in t",
                    ("c_w >= 1", "d >= c_w s t",
                     "(1 - a)/(1 - a/c) <= 1 - a (1 - 1/c) <= exp(-a (1 - 1/c)) for 0 <= a <= 1, "
                     "c >= 1")),
    ),
    thresholds=("c_t",),
)
