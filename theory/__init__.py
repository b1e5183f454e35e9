"""Claims, verdicts and the symbolic asymptotics of the suite.

Pure Python, SymPy and mpmath only: no NumPy, no Z3. Measured counts come in as plain numbers.
Asymptotic relations are decided by limits of ratios at infinity (``limit`` and ``gruntz``
cross-checked, confirmed numerically), never by SymPy's ``O()``.
"""

from superpose.theory._asymptotic import (
                           RatioLimit,
                           is_big_o,
                           is_big_omega,
                           is_theta,
                           ratio_limit,
                           relation,
                           run_within,
)
from superpose.theory._bounds import Bound
from superpose.theory._claimfile import ClaimSpec, load_claim_file, parse_claims
from superpose.theory._claims import CLAIMS, Claim, Kind, claim_by_id
from superpose.theory._derivations import Step, derivations
from superpose.theory._expr import FORMULA_FUNCTIONS, parse_bound
from superpose.theory._symbols import MP, SYMBOLS, M, S
from superpose.theory._verdict import Evidence, Verdict, combine
from superpose.theory.errors import (
                           CircuitFormatError,
                           ClaimFileError,
                           InvalidArgument,
                           MissingExtra,
                           SuperposeError,
)

__all__ = [
    "Bound", "CLAIMS", "Claim", "ClaimFileError", "ClaimSpec", "CircuitFormatError", "Evidence",
    "FORMULA_FUNCTIONS", "InvalidArgument", "Kind", "M", "MP", "MissingExtra", "RatioLimit", "S",
    "SYMBOLS", "Step", "SuperposeError", "Verdict",
    "claim_by_id", "combine", "derivations", "is_big_o", "is_big_omega", "is_theta",
    "load_claim_file", "parse_bound", "parse_claims", "ratio_limit", "relation", "run_within",
]
