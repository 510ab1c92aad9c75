"""Norwegian organisation numbers (organisasjonsnummer) from the Central Coordinating Register.

Nine digits; the last is a modulus-11 check digit over the first eight with weights
3, 2, 7, 6, 5, 4, 3, 2. A remainder that would need check digit 10 is never issued.
"""

from __future__ import annotations

WEIGHTS = (3, 2, 7, 6, 5, 4, 3, 2)


def check_digit(first_eight: str) -> int | None:
    """The MOD11 check digit for eight digits, or None when no valid number has them."""
    remainder = sum(int(d) * w for d, w in zip(first_eight, WEIGHTS, strict=True)) % 11
    digit = (11 - remainder) % 11
    return None if digit == 10 else digit


def normalise(value: str) -> str:
    """Accept the register's printed form (``974 760 673``) as well as plain digits."""
    return "".join(value.split())


def validate(value: str) -> str:
    """The normalised number, or ValueError saying what is wrong with it."""
    number = normalise(value)
    if len(number) != 9 or not number.isascii() or not number.isdigit():
        raise ValueError("an organisation number has exactly 9 digits")
    expected = check_digit(number[:8])
    if expected is None or int(number[8]) != expected:
        raise ValueError("check digit does not match (MOD11): not a valid organisation number")
    return number
