"""Resource quantities in the canonical form a real API server stores (`cpu: 0.25` -> "250m").

Kubernetes parses every quantity (k8s.io/apimachinery resource.Quantity) and serialises it
canonically on every write, so a template written with `0.25` and one written with `250m`
are the same pod template afterwards. The rules, as `Quantity.CanonicalizeBytes` applies them:

- the format is the one the value was written in: binary SI (Ki, Mi, ... Ei), decimal SI
  (n, u, m, "", k, M, ... E) or decimal exponent (1e3); plain numbers are decimal SI;
- decimal forms: the value as an integer mantissa times 10^(3k), mantissa as small as
  possible (1000 -> "1k", 0.25 -> "250m", 1.5 -> "1500m"); precision below 1n rounds up;
- binary SI: a value strictly between -1024 and 1024, or one that is not a whole number,
  is written in decimal SI instead (0.5Ki -> "512"); otherwise an integer mantissa times
  1024^k, as large a k as divides exactly (1024Mi -> "1Gi", 1.5Gi -> "1536Mi").
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, Decimal, InvalidOperation, localcontext
from typing import Any

_BINARY = {"Ki": 1, "Mi": 2, "Gi": 3, "Ti": 4, "Pi": 5, "Ei": 6}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_QUANTITY = re.compile(r"^([+-]?(?:\d+\.?\d*|\.\d+))((?:[eE][+-]?\d+)|Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]?)$")


class QuantityError(ValueError):
    """Not a quantity: the API server answers 400 (the caller words it)."""


def parse(text: str) -> tuple[Decimal, str]:
    """(value, format) with format one of "binary", "decimal", "exponent"."""
    match = _QUANTITY.match(text.strip())
    if not match:
        raise QuantityError(f"quantities must match the regular expression '{_QUANTITY.pattern}'")
    number, suffix = match.groups()
    with localcontext() as ctx:
        ctx.prec = 80
        value = Decimal(number)
        if suffix in _BINARY:
            return value * (Decimal(1024) ** _BINARY[suffix]), "binary"
        if suffix[:1] in ("e", "E"):
            return value.scaleb(int(suffix[1:])), "exponent"
        return value.scaleb(_DECIMAL[suffix]), "decimal"


def _decimal_parts(value: Decimal) -> tuple[int, int]:
    """(mantissa, exponent) with exponent a multiple of 3 >= -9, mantissa smallest."""
    with localcontext() as ctx:
        ctx.prec = 80
        nanos = (value.scaleb(9)).to_integral_value(rounding=ROUND_CEILING)
        mantissa, exponent = int(nanos), -9
        if mantissa == 0:
            return 0, 0
        while mantissa % 1000 == 0 and exponent < 18:
            mantissa //= 1000
            exponent += 3
        return mantissa, exponent


def canonical(value: Any) -> str:
    """The canonical string for a quantity given as a string or a JSON number."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError("quantities must be strings or numbers")
    try:
        number, fmt = parse(repr(value) if isinstance(value, float) else str(value))
    except InvalidOperation:
        raise QuantityError("not a quantity") from None
    if fmt == "binary" and (-1024 < number < 1024 or number != number.to_integral_value()):
        fmt = "decimal"
    if fmt == "binary":
        mantissa, power = int(number), 0
        while mantissa != 0 and mantissa % 1024 == 0 and power < 6:
            mantissa //= 1024
            power += 1
        suffix = {v: k for k, v in _BINARY.items()}.get(power, "")
        return f"{mantissa}{suffix}"
    mantissa, exponent = _decimal_parts(number)
    if fmt == "exponent":
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    return f"{mantissa}{_DECIMAL_SUFFIX[exponent]}"


def canonicalize_map(resources: Any) -> None:
    """Canonicalise every value of a {name: quantity} mapping in place (others left alone)."""
    if not isinstance(resources, dict):
        return
    for name, value in list(resources.items()):
        try:
            resources[name] = canonical(value)
        except QuantityError:
            continue  # validation elsewhere reports it; defaulting leaves it as written
