"""Claims, verdicts and (later) the symbolic asymptotics of the suite.

Pure Python and SymPy only: no NumPy, no Z3. Measured counts come in as plain numbers.
"""

from theory._claims import CLAIMS, Claim, claim_by_id
from theory._verdict import Evidence, Verdict, combine
from theory.errors import CircuitFormatError, InvalidArgument, SuperposeError

__all__ = [
    "CLAIMS",
    "Claim",
    "CircuitFormatError",
    "Evidence",
    "InvalidArgument",
    "SuperposeError",
    "Verdict",
    "claim_by_id",
    "combine",
]
