"""The failure bound of the three-channel pairwise-AND construction (constructions/_and2.py).

F bounds the probability, over the seed, that the raw draw decodes some s-sparse input wrong,
for every pair list: a union bound over good events on the codes (no inactive heavy owner
covered, no leak of t into a shared or dedicated unit, concentration of the T_q, B_j and of
the heavy channel's fired mass) and the false positives left when they hold (an output with no
active endpoint, with one, or heavy with its owner active). Derivation, every step with its
premises: paper_notes/derivations/and2_failure.md. Steps are (name, text, why, premises) in
the claim-file grammar; ``log`` is base 2, ``log(x, exp(1))`` natural.
"""

from __future__ import annotations

from superpose.theory.constructions import FailureBound

__all__ = ["AND2_FAILURE"]

CONSTANTS = ('c_d', 't_min', 'c_r', 'r_min', 'c_shared', 'heavy_factor')

STEPS = (
    ('t', 'max(t_min, ceil(log(m)))',
     'Support size of the input code, as _sizes computes it.',
     ('code: _sizes',)),
    ('r', 'max(r_min, ceil(c_r*log(mp)))',
     'Support size of the output code and of each R_k.',
     ('code: _sizes', 'mp >= 2',)),
    ('d0', 'ceil(c_d*max(sqrt(mp), s)*t)',
     'Width of layer 0.',
     ('code: _sizes',)),
    ('d_out', 'max(r, ceil(c_shared*s*sqrt(mp)*r))',
     'Width of the shared block and of layer 2.',
     ('code: _sizes',)),
    ('cutoff', 'heavy_factor*sqrt(mp)',
     'Heavy cutoff; every feature in a light pair has degree <= cutoff, so |D_f| <= r*cutoff.',
     ('code: _sizes', 'ownership by higher degree',)),
    ('n_owners', '2*sqrt(mp)/heavy_factor',
     "Upper bound on the number of heavy owners (each has degree > cutoff, degrees sum to 2m').",
     ("sum of degrees = 2m'",)),
    ('n_ded', 'n_owners*(2*s*r + 1) + 2*s*r*sqrt(mp)',
     "Upper bound on the number of dedicated units: g_h <= 2sr + 1 + 2 s r o_h/sqrt(m'), sum of "
     "o_h <= m'.",
     ('code: _dedicated_units', 'exact groups have o_h <= g_h units',)),
    ('p', 's*t/d0',
     'Upper bound on |U|/d0, U the union of the s active supports, so each inactive overlap X_f = '
     '|P_f cap U| is dominated (convex order) by Bin(t, p).',
     ('|U| <= s t', 'Hoeffding: hypergeometric <=_cx binomial',)),
    ('delta', '1/sqrt(t)',
     'Chernoff slack used for |T_q|, |B_j| and the heavy mass (a function of t, -> 0).',
     ('proof parameter',)),
    ('h_delta', '(1 + delta)*log(1 + delta, exp(1)) - delta',
     'Chernoff rate h(delta) = (1+delta) ln(1+delta) - delta.',
     ('Chernoff upper tail',)),
    ('gamma', '17/25',
     'Split level for the own-group count c_k of a heavy output whose owner is active.',
     ('proof parameter', 'gamma >= (s-1)/(2s)',)),
    ('N_A', 'binomial(m, s)',
     'Number of active sets of size exactly s; sets of size < s need no separate count (L1).',
     ('L1 monotonicity: weights >= 0, m >= s + 2',)),
    ('mu_T', 'mp*r/d_out',
     'Upper bound on E N_q, N_q = #{light k: q in Q_k} ~ Bin(#light, r/d_out); |T_q| <= 2 N_q.',
     ('Q_k independent uniform r-subsets',)),
    ('P_G5', 'd_out*exp(-mu_T*h_delta)',
     'P(some shared unit has N_q >= (1+delta) mu_T): Chernoff with a mean upper bound, union over '
     'q.',
     ('Chernoff', 'union bound',)),
    ('mu_B', 'sqrt(mp)/(2*s)',
     "Upper bound on E|B_j| = o_h r/g_h for a non-exact group (g_h >= 2 s r o_h/sqrt(m')).",
     ('code: g_h',)),
    ('P_G6', 'n_ded*exp(-mu_B*h_delta)',
     'P(some dedicated unit of a non-exact group has |B_j| >= (1+delta) mu_B): |B_j| ~ Bin(o_h, '
     'r/g_h), union over units.',
     ('R_k independent uniform r-subsets', 'Chernoff',)),
    ('beta2', 'min(1, 2*(1 + delta)*mu_T*p)',
     'Leak into a shared unit on G5 has mean <= beta2*t: at most 2(1+delta)mu_T inactive features,'
     ' each <=_cx Bin(t, p).',
     ('G5', 'P_A fixed; P_f, f not in A, independent of U and of Q',)),
    ('P_G2', 'N_A*d_out*exp(-t*(beta2 - 1 - log(beta2, exp(1))))',
     'P(some A and shared unit q with leak_q >= t): Chernoff exp(-t g(beta2)), g(b) = b - 1 - ln '
     'b, union over (A, q).',
     ('G5', 'Chernoff for sums of independent <=_cx-binomials', 'union bound',)),
    ('beta3', 'min(1, max(1, (1 + delta)*mu_B)*p)',
     'Leak into a dedicated unit on G6 has mean <= beta3*t (|B_j| <= max(1, (1+delta)mu_B)).',
     ('G6',)),
    ('P_G3', 'binomial(m - 1, s - 1)*n_ded*exp(-t*(beta3 - 1 - log(beta3, exp(1))))',
     'P(some A, owner h in A, unit j of h with B_j cap A empty and partner leak >= t); union over '
     '(A containing h, j).',
     ('G6', 'Chernoff', 'union bound',)),
    ('P_G1', 'N_A*n_owners*(s*t/d0)^t',
     'P(some A covers the support of an inactive heavy owner): P(P_h subset U) <= (|U|/d0)^t.',
     ('uniform t-subset', 'union bound',)),
    ('mu_h', '(s - 1)*sqrt(mp)/(2*s)',
     "Upper bound on the mean own-group fired fraction summed over an active owner's pairs with "
     'inactive partner: o_h (s-1) r/g_h.',
     ('|F_h| <= (s-1) r', "g_h >= 2 s r o_h/sqrt(m')", 's >= 2',)),
    ('P_G4', 'n_owners*binomial(m - 1, s - 1)*exp(-mu_h*h_delta)',
     'P(some A and active owner h whose heavy fired-fraction sum exceeds (1+delta) mu_h): '
     'independent [0,1] terms |R_k cap F_h|/r, Chernoff, union.',
     ('R_k independent of F_h for inactive partners', 'Chernoff',)),
    ('H_hv', 'r*(binomial(s, 2) + s*(1 + delta)*mu_h)',
     'On G1, G3, G4: |units whose heavy layer-2 sum reaches r| <= (sum_q heavysum_q)/r = r * sum '
     'of fired fractions.',
     ('mass bound', 'G1', 'G3', 'G4',)),
    ('rho0', 'min(1, (s*r*cutoff/2 + H_hv)/d_out)',
     "Fraction of layer-2 units that can fire when the output's owner/endpoints are inactive: "
     'units with >= 2 actives in T_q plus heavy-fired units.',
     ('L2 leak-free firing rule', 'sum_f in A |D_f| <= s r cutoff',)),
    ('T0', 'N_A*mp*rho0^r',
     'Outputs with no active endpoint (light) or inactive owner (heavy): Q_k independent of the '
     'firing set, P(Q_k inside) <= rho0^r.',
     ('L3 containment', 'union over (A, k)',)),
    ('rho1', 'min(1, ((s - 1)*r*cutoff + H_hv)/d_out)',
     'Light output with one active endpoint a: q in Q_k fires only if another active lies in '
     'T_q^{-k} or q is heavy-fired.',
     ('L2', 'T_q^{-k} independent of Q_k',)),
    ('T1', '2*binomial(m - 2, s - 1)*mp*rho1^r',
     "Light outputs with exactly one active endpoint: at most 2 C(m-2, s-1) m' pairs (A, k).",
     ('L3 containment', 'union bound',)),
    ('p_h', '(s - 1)/(2*s)',
     'Upper bound on |F_h|/g_h for a non-exact group.',
     ('g_h >= 2 s r',)),
    ('KL', 'gamma*log(gamma/p_h, exp(1)) + (1 - gamma)*log((1 - gamma)/(1 - p_h), exp(1))',
     'Chernoff-Hoeffding rate D(gamma || p_h) for c_k = |R_k cap F_h| >= gamma r.',
     ('gamma >= p_h',)),
    ('rho2', 'min(1, (s*r*cutoff/2 + H_hv/(1 - gamma))/d_out)',
     'Heavy output with active owner and c_k < gamma r: q fires only if >= 2 actives in T_q or the'
     ' other heavy sum exceeds (1-gamma) r.',
     ('mass bound with threshold (1-gamma) r',)),
    ('T2', 'binomial(m - 2, s - 1)*mp*(exp(-r*KL) + rho2^r)',
     'Heavy outputs with active owner, inactive partner: split on c_k >= gamma r.',
     ('hypergeometric Chernoff-Hoeffding', 'L3 containment', 'union bound',)),
    ('F', 'P_G1 + P_G2 + P_G3 + P_G4 + P_G5 + P_G6 + T0 + T1 + T2',
     'Total: P(some s-sparse input decoded wrong) <= P(some good event fails) + sum of '
     'false-positive terms.',
     ('no false negatives', 'union bound',)),
)

ENVELOPE = (
    ('t_lo', 'log(mp)',
     't >= log2 m = log2 mp.',
     ('m = mp',)),
    ('t_hi', 't_min + log(mp) + 1',
     't <= t_min + log2 m + 1.',
     ('m = mp',)),
    ('r_lo', 'c_r*log(mp)',
     'r >= c_r log2 mp.',
     ()),
    ('r_hi', 'r_min + c_r*log(mp) + 1',
     'r <= r_min + c_r log2 mp + 1.',
     ()),
    ('dout_hi', '(c_shared*s*sqrt(mp) + 2)*r_hi',
     'd_out <= (c_shared s sqrt(mp) + 1) r + 1.',
     ()),
    ('dl_hi', '1/sqrt(t_lo)',
     'delta <= 1/sqrt(log2 mp).',
     ()),
    ('dl_lo', '1/sqrt(t_hi)',
     'delta >= 1/sqrt(t_hi).',
     ()),
    ('hd_lo', '(1 + dl_lo)*log(1 + dl_lo, exp(1)) - dl_lo',
     'h is increasing, so h(delta) >= h(dl_lo).',
     ()),
    ('ow', '2*sqrt(mp)/heavy_factor',
     'Same as n_owners.',
     ()),
    ('nd_hi', 'ow*(2*s*r_hi + 1) + 2*s*r_hi*sqrt(mp)',
     'n_ded with r <= r_hi.',
     ()),
    ('E_G5', 'dout_hi*exp(-mp/(c_shared*s*sqrt(mp) + 2)*hd_lo)',
     'mu_T >= mp/(c_shared s sqrt(mp) + 2) since d_out <= (c_shared s sqrt(mp)+1) r + 1 and r >= '
     '1.',
     ()),
    ('E_G6', 'nd_hi*exp(-sqrt(mp)/(2*s)*hd_lo)',
     'mu_B exact, h(delta) >= hd_lo.',
     ()),
    ('B2', '2*(1 + dl_hi)/(c_shared*c_d)',
     'beta2 <= B2 since mu_T <= sqrt(mp)/(c_shared s) and p <= s/(c_d sqrt(mp)).',
     ('premise: B2 <= 1 at M0, i.e. c_shared c_d >= 2 (1 + 1/sqrt(log2 M0))',)),
    ('E_G2', 'mp^s/factorial(s)*dout_hi*exp(-t_lo*(B2 - 1 - log(B2, exp(1))))',
     'g(b) = b - 1 - ln b is decreasing and >= 0 on (0, 1], and t >= t_lo.',
     ('B2 <= 1',)),
    ('B3', '(1 + dl_hi)/(2*c_d)',
     'beta3 <= B3 when (1+delta) mu_B >= 1 (mp >= 4 s^2).',
     ('mp >= 4 s^2', 'premise: B3 <= 1',)),
    ('E_G3', 'mp^(s - 1)/factorial(s - 1)*nd_hi*exp(-t_lo*(B3 - 1 - log(B3, exp(1))))',
     'As E_G2.',
     ('B3 <= 1',)),
    ('E_G1', 'mp^s/factorial(s)*ow*(s/(c_d*sqrt(mp)))^t_lo',
     's t/d0 <= s/(c_d sqrt(mp)) <= 1 and t >= t_lo.',
     ('c_d sqrt(mp) >= s',)),
    ('E_G4', 'ow*mp^(s - 1)/factorial(s - 1)*exp(-(s - 1)*sqrt(mp)/(2*s)*hd_lo)',
     'As P_G4.',
     ('s >= 2',)),
    ('Hf', '(binomial(s, 2) + (1 + dl_hi)*(s - 1)*sqrt(mp)/2)/(c_shared*s*sqrt(mp))',
     'H_hv/d_out <= Hf since r/d_out <= 1/(c_shared s sqrt(mp)).',
     ()),
    ('R0', 'heavy_factor/(2*c_shared) + Hf',
     'rho0 <= R0.',
     ()),
    ('R1', '(s - 1)*heavy_factor/(c_shared*s) + Hf',
     'rho1 <= R1.',
     ()),
    ('R2', 'heavy_factor/(2*c_shared) + Hf/(1 - 17/25)',
     'rho2 <= R2.',
     ()),
    ('KLe', '17/25*log(17/25/((s - 1)/(2*s)), exp(1)) + 8/25*log(8/25/(1 - (s - 1)/(2*s)), exp(1))',
     'Same as KL.',
     ()),
    ('E_T0', 'mp^(s + 1)/factorial(s)*R0^r_lo',
     'rho0^r <= R0^r_lo: if R0 <= 1 since r >= r_lo; if R0 > 1 since rho0 <= 1.',
     ()),
    ('E_T1', '2*mp^s/factorial(s - 1)*R1^r_lo',
     'As E_T0; C(m-2, s-1) <= m^(s-1)/(s-1)!.',
     ()),
    ('E_T2', 'mp^s/factorial(s - 1)*(exp(-r_lo*KLe) + R2^r_lo)',
     'As E_T0; KL >= 0.',
     ()),
    ('F_env', 'E_G1 + E_G2 + E_G3 + E_G4 + E_G5 + E_G6 + E_T0 + E_T1 + E_T2',
     'Termwise upper envelope of F for m = mp >= M0 = 64 (s <= 4), given B2 <= 1 and B3 <= 1 at '
     'M0.',
     ('m = mp', 'mp >= max(4 s^2, s + 2)', 'B2 <= 1', 'B3 <= 1',)),
)

M0 = 64


AND2_FAILURE = FailureBound(constants=CONSTANTS, steps=STEPS, envelope=ENVELOPE,
                            thresholds=("c_d", "c_r"), m0=M0)
