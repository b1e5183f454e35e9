"""The failure bound of the Bloom permutation construction (circuits/constructions/_perm.py).

F bounds the probability, over the seed, that the raw draw decodes some s-sparse input wrong,
for every permutation: a union over (active set A of size s, output k with perm[k] not in A)
of P(Q_k inside the firing set built without k), split on the overlap x = |P_perm[k] cap U|
and on the total leak W into the layer (Chernoff), the firing set counted by Markov.
Derivation, every step with its premises: paper_notes/derivations/perm_failure.md. Steps are
(name, text, why, premises) in the claim-file grammar; ``log`` is base 2.
"""

from __future__ import annotations

from superpose.theory.constructions import FailureBound

__all__ = ["PERM_FAILURE"]

CONSTANTS = ('c_d', 't_min')

STEPS = (
    ('t', 'max(t_min, ceil(log(mp)))',
     'support size of every input and output feature, exactly as _perm.py computes it',
     ("code: t = max(t_min, ceil(log2 m'))", 'mp >= 2',)),
    ('d', 'ceil(c_d * sqrt(s * max(mp, s)) * t)',
     'width of layer 0 and of layer 1, exactly as _perm.py computes it',
     ("code: d = ceil(c_d sqrt(s max(m', s)) t)",)),
    ('pbar', 's * t / d',
     'upper bound on the fraction |U|/d of layer 0 covered by the s active supports, since |U| <= '
     's t',
     ('|U| <= s t',)),
    ('a', 'min(t, ceil(2 * sqrt(t)))',
     "proof parameter x0: the overlap |P_j cap U| at which the inactive feature's own term is "
     'declared bad',
     ('free deterministic choice; any 1 <= a <= t is sound',)),
    ('tau', 't - a + 1',
     "on x <= a - 1 an output unit of Q_k fires only if its leak z'_q from the other outputs is >="
     ' tau',
     ("z_q = x + z'_q for q in Q_k", '1 <= a <= t',)),
    ('mu', 'mp * t * pbar',
     "upper bound s t^2 m'/d on the mean of W = sum over the m'-s-1 inactive features j' != j of "
     "|P_j' cap U|",
     ("P_j' independent uniform t-subsets, independent of U", "E|P_j' cap U| = t |U|/d",)),
    ('delta', 'log(mp) / sqrt(mu)',
     'proof parameter: relative excess of W tolerated (tends to 0)',
     ('free deterministic choice; any delta > 0 is sound',)),
    ('pairs', 'binomial(mp, s) * (mp - s)',
     'number of (active set A with |A| = s, output k with perm[k] not in A) in the union bound',
     (
         "monotonicity: a false positive at k for |A| < s stays one for any A' >= A of size s "
         'avoiding perm[k]',
         'no false negatives, since all weights >= 0',
         'mp >= s + 1',
     )),
    ('T_x', 'binomial(t, a) * pbar^a',
     'P(x >= a) for x = |P_perm[k] cap U|, by P(x >= a) <= E binomial(x, a) = binomial(t, a) '
     '(|U|)_a/(d)_a',
     ('P_perm[k] uniform t-subset independent of U (perm[k] not in A)',)),
    ('T_W', '(exp(delta) / (1 + delta)^(1 + delta))^mu',
     'P(W >= (1 + delta) mu) by Chernoff, the hypergeometric MGF being at most the binomial one '
     '(Hoeffding 1963, Thm 4)',
     ('W a sum of independent hypergeometrics given U', 'mean of W <= mu',)),
    ('rho', 't * (s * t + (1 + delta) * mu) / (tau * d)',
     "on x < a and W < (1 + delta) mu: |{q : z'_q >= tau}|/d <= (sum_q z'_q)/(tau d) = t (s t + "
     'W)/(tau d) < rho',
     ("z'_q >= 0", "sum_q z'_q = t (s t + W) because perm is a bijection and |Q_k'| = t",)),
    ('T_Q', 'rho^t',
     "P(Q_k inside the firing set) <= (|F'|/d)^t since Q_k is a uniform t-subset independent of F'",
     ("F' depends only on the input code and Q_k' for k' != k", 'output code rows independent',)),
    ('F', 'pairs * (T_x + T_W + T_Q)',
     'union bound over the pairs of P(x >= a) + P(W >= (1 + delta) mu) + P(Q_k fires | the rest '
     'good)',
     ('holds for every permutation', 'mp >= s + 1',)),
)

ENVELOPE = (
    ('L', 'log(mp)',
     "L = log2 m' <= t",
     ("t >= ceil(log2 m')",)),
    ('pairs_env', 'mp^(s + 1) / factorial(s)',
     "binomial(m', s)(m' - s) <= m'^s/s! * m'",
     ()),
    ('mu_lo', 's * L^2 * mp / (c_d * sqrt(s * mp) * L + 1)',
     "mu = s t^2 m'/d with d <= c_d sqrt(s m') t + 1 is increasing in t, so mu >= its value at t ="
     ' L',
     ('mp >= s', 't >= L',)),
    ('delta_hi', 'L / sqrt(mu_lo)',
     'delta = L/sqrt(mu) <= L/sqrt(mu_lo)',
     ('mu >= mu_lo',)),
    ('B', '(exp(1) / 2) * sqrt((L + 1 + t_min) * s / mp) / c_d',
     "T_x <= (e t pbar/a)^a <= B^a, as e t pbar/a <= (e/2) sqrt(t s/m')/c_d with a >= 2 sqrt(t), "
     "pbar <= sqrt(s/m')/c_d, t <= L + 1 + t_min",
     ('binomial(t, a) <= (e t/a)^a', "d >= c_d sqrt(s m') t",)),
    ('bx', 'B^(2 / sqrt(L))',
     'base of the T_x envelope: bx^L = B^(2 sqrt(L)), the exponent a >= 2 sqrt(t) >= 2 sqrt(L)',
     ('L >= 6 so a = ceil(2 sqrt t) < t',)),
    ('K_x', '(1 + B)^(2 * sqrt(L + 1 + t_min) + 1)',
     'T_x <= B^a = bx^L B^(a - 2 sqrt(L)) <= bx^L K_x, since 0 <= a - 2 sqrt(L) <= 2 sqrt(L + 1 + '
     't_min) + 1 and B^y <= (1 + B)^Y for 0 <= y <= Y',
     ('2 sqrt(t) <= a <= 2 sqrt(t) + 1', 'L <= t <= L + 1 + t_min',)),
    ('bW', 'exp(-L / (2 + 2 * delta_hi / 3))',
     'T_W = exp(-mu h(delta)) = exp(-L^2 h(delta)/delta^2) <= bW^L, as h(x) = (1+x)ln(1+x) - x >= '
     'x^2/(2 + 2x/3) and delta <= delta_hi',
     ('mu = L^2/delta^2', 'delta <= delta_hi', 'Bernstein: h(x) >= x^2/(2(1 + x/3)) for x >= 0',)),
    ('rho_hi', '((1 + delta_hi) / c_d^2 + sqrt(s / mp) / c_d) / (1 - 2 / sqrt(L))',
     "rho <= (t/tau)((1+delta)/c_d^2 + sqrt(s/m')/c_d) and t/tau <= 1/(1 - 2/sqrt(t)) <= 1/(1 - "
     '2/sqrt(L))',
     ("d >= c_d sqrt(s m') t", 'tau >= t - 2 sqrt(t)', 'L >= 6',)),
    ('K_Q', '(1 + rho_hi)^(1 + t_min)',
     'T_Q = rho^t <= rho_hi^L rho_hi^(t - L) <= rho_hi^L K_Q, since 0 <= t - L <= 1 + t_min',
     ('rho <= rho_hi', 'L <= t <= L + 1 + t_min',)),
    ('F_env', 'pairs_env * (rho_hi + bx + bW)^L * K_Q * K_x',
     "T_x + T_W + T_Q <= (bx^L + bW^L + rho_hi^L) K_Q K_x <= (rho_hi + bx + bW)^L K_Q K_x (K's >= "
     '1, L >= 1); lim log(F_env)/log(mp) = s + 1 - 2 log2(c_d)',
     ('mp >= M0',)),
)

M0 = 64


PERM_FAILURE = FailureBound(constants=CONSTANTS, steps=STEPS, envelope=ENVELOPE,
                            thresholds=("c_d",), m0=M0)
