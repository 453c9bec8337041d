"""Resource quantities as a real API server stores them (`cpu: 0.25` -> "250m").

Kubernetes parses every quantity (k8s.io/apimachinery `resource.ParseQuantity`) and writes
it back with `Quantity.String()` on every write, so a template written with `0.25` and one
written with `250m` are the same pod template afterwards. Followed here, from the
apimachinery v0.37 sources and checked against a real kube-apiserver
(tests/real/test_sim_vs_real.py):

- ParseQuantity keeps the string as written when it is already canonical: an integer
  mantissa (no more than 18 digits) at a scale that is a multiple of 3, not ending in
  "000", not starting with 0 ("+1" stays "+1", "1500k" stays); binary suffixes only when
  the number is not a multiple of 8. "0" is kept as is.
- Otherwise it is re-rendered: decimal forms as an integer mantissa times 10^(3k), as small
  as possible (1000 -> "1k", 0.25 -> "250m", 1.5 -> "1500m", 1e3 stays in exponent form);
  binary SI (Ki ... Ei) as an integer times 1024^k with k as large as divides exactly,
  unless the value is strictly between -1024 and 1024 or not whole (then decimal SI:
  0.5Ki -> "512"). Precision below 1n rounds up (away from zero).
- Resource lists (container requests and limits, pod overhead, claim templates) are also
  rounded up to milli units by the API server's defaulting (`SetDefaults_ResourceList`):
  0.1234567891 -> "124m"; a value already at milli scale or coarser keeps its string.
"""

from __future__ import annotations

import re
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from typing import Any

_BINARY = {"Ki": 10, "Mi": 20, "Gi": 30, "Ti": 40, "Pi": 50, "Ei": 60}
_DECIMAL = {"n": -9, "u": -6, "m": -3, "": 0, "k": 3, "M": 6, "G": 9, "T": 12, "P": 15, "E": 18}
_DECIMAL_SUFFIX = {v: k for k, v in _DECIMAL.items()}
_BINARY_SUFFIX = {v // 10: k for k, v in _BINARY.items()}
_NUMBER = re.compile(r"^([+-]?)0*(\d*)(?:\.(\d*))?(.*)$")
_MAX_INT64 = 2**63 - 1
_MAX_INT64_FACTORS = 18


class QuantityError(ValueError):
    """Not a quantity: the API server answers 400 (the caller words it)."""


class _Parsed:
    __slots__ = ("amount", "cached", "fmt", "int_scale")

    def __init__(
        self, amount: Decimal, fmt: str, cached: str | None, int_scale: int | None
    ) -> None:
        self.amount = amount  # the exact value
        self.fmt = fmt  # "binary", "decimal" or "exponent"
        self.cached = cached  # the string as written, when ParseQuantity keeps it
        self.int_scale = (
            int_scale  # the decimal scale of an int64 amount; None for the big-decimal path
        )


def _round_away(value: Decimal, exponent: int) -> Decimal:
    """Round to a multiple of 10^exponent, away from zero (inf.RoundUp)."""
    quantum = Decimal(1).scaleb(exponent)
    rounding = ROUND_CEILING if value >= 0 else ROUND_FLOOR
    return value.quantize(quantum, rounding=rounding)


def parse(text: str) -> _Parsed:
    """ParseQuantity: the value, its format, and whether the string itself is kept."""
    if text == "0":
        return _Parsed(Decimal(0), "decimal", "0", 0)
    match = _NUMBER.match(text)
    if not match or not text or text in ("+", "-"):
        raise QuantityError(
            f"quantities must match the regular expression "
            f"'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$' (got {text!r})"
        )
    sign, num, denom, suffix = (
        match.group(1),
        match.group(2) or "0",
        match.group(3) or "",
        match.group(4),
    )
    if suffix in _BINARY:
        base, exponent, fmt = 2, _BINARY[suffix], "binary"
    elif suffix in _DECIMAL:
        base, exponent, fmt = 10, _DECIMAL[suffix], "decimal"
    elif re.fullmatch(r"[eE][+-]?\d+", suffix):
        base, exponent, fmt = 10, int(suffix[1:]), "exponent"
    else:
        raise QuantityError(f"unable to parse quantity's suffix (got {text!r})")
    positive = sign != "-"

    with localcontext() as ctx:
        ctx.prec = 120
        if fmt == "binary":
            scale = 0
            if exponent >= 0 and not denom:
                mantissa = 1 << exponent
                precision = 15 - len(num) - int(exponent * 3 / 10) - 1
            else:
                mantissa, precision = 1, -1
        else:
            scale, mantissa = exponent, 1
            precision = _MAX_INT64_FACTORS - (len(num) + len(denom))
        if precision >= 0:
            scale -= len(denom)
            if scale >= -9:
                shifted = num + denom
                value = int(shifted)
                result = value * mantissa
                if result <= _MAX_INT64:
                    signed = result if positive else -result
                    amount = Decimal(signed).scaleb(scale)
                    cached = None
                    if fmt == "binary":
                        if exponent % 10 == 0 and value & 0x07 != 0:
                            cached = text
                    elif scale % 3 == 0 and not shifted.endswith("000") and shifted[0] != "0":
                        cached = text
                    return _Parsed(amount, fmt, cached, scale)
        # The big-decimal path: exact value, rounded up to nano units.
        amount = Decimal(f"{num}.{denom or '0'}")
        amount = amount * (Decimal(2) ** exponent) if base == 2 else amount.scaleb(exponent)
        if amount != 0:
            amount = _round_away(amount, -9)
        if fmt == "binary" and 0 < amount < 1:
            fmt = "decimal"
        return _Parsed(amount if positive else -amount, fmt, None, None)


def _decimal_parts(value: Decimal) -> tuple[int, int]:
    """(mantissa, exponent): exponent a multiple of 3, factors of 10 moved into it."""
    sign, digits, exp = value.normalize().as_tuple()
    mantissa = int("".join(map(str, digits)) or "0")
    exponent = int(exp)
    while exponent % 3 != 0:
        mantissa *= 10
        exponent -= 1
    return (-mantissa if sign else mantissa), exponent


def _render(parsed: _Parsed) -> str:
    """Quantity.String() when nothing is cached (CanonicalizeBytes)."""
    amount, fmt = parsed.amount, parsed.fmt
    if amount == 0:
        return "0"
    if fmt == "binary" and (-1024 < amount < 1024 or amount != amount.to_integral_value()):
        fmt = "decimal"
    if fmt == "binary":
        mantissa, power = int(amount), 0
        while mantissa % 1024 == 0 and power < 6:
            mantissa //= 1024
            power += 1
        return f"{mantissa}{_BINARY_SUFFIX.get(power, '')}"
    with localcontext() as ctx:
        ctx.prec = 120
        mantissa, exponent = _decimal_parts(amount)
    if fmt == "exponent":
        return f"{mantissa}e{exponent}" if exponent else str(mantissa)
    suffix = _DECIMAL_SUFFIX.get(exponent)
    return f"{mantissa}{suffix}" if suffix is not None else f"{mantissa}e{exponent}"


def _text(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise QuantityError("quantities must be strings or numbers")
    return repr(value) if isinstance(value, float) else str(value).strip()


def canonical(value: Any) -> str:
    """What the API server stores for a quantity field (a string or a JSON number)."""
    parsed = parse(_text(value))
    return parsed.cached if parsed.cached is not None else _render(parsed)


def canonical_resource(value: Any) -> str:
    """What the API server stores in a resource list: parsed, then rounded up to milli units."""
    parsed = parse(_text(value))
    if parsed.int_scale is None or parsed.int_scale < -3:
        with localcontext() as ctx:
            ctx.prec = 120
            parsed = _Parsed(_round_away(parsed.amount, -3), parsed.fmt, None, -3)
    return parsed.cached if parsed.cached is not None else _render(parsed)


def canonicalize_map(resources: Any) -> None:
    """Canonicalise every value of a resource list in place (values not quantities stay)."""
    if not isinstance(resources, dict):
        return
    for name, value in list(resources.items()):
        try:
            resources[name] = canonical_resource(value)
        except QuantityError:
            continue  # the real API server refuses these; the simulated one leaves them as written
