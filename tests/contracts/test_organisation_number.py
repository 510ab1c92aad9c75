"""The MOD11 rule of Norwegian organisation numbers, on its own."""

from __future__ import annotations

import pytest

from services.contracts.partners import organisation_number


@pytest.mark.parametrize(
    "number",
    [
        "974760673",  # Brønnøysundregistrene, the register itself
        "923609016",
        "958935420",
    ],
)
def test_published_organisation_numbers_are_valid(number: str) -> None:
    assert organisation_number.validate(number) == number


def test_printed_form_with_spaces_is_normalised() -> None:
    assert organisation_number.validate("974 760 673") == "974760673"


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("974760674", "check digit"),  # last digit off by one
        ("97476067", "9 digits"),
        ("9747606731", "9 digits"),
        ("97476067a", "9 digits"),
        ("\uff19\uff17\uff14\uff17\uff16\uff10\uff16\uff17\uff13", "9 digits"),  # full-width
    ],
)
def test_wrong_numbers_are_refused_with_the_reason(number: str, reason: str) -> None:
    with pytest.raises(ValueError, match=reason):
        organisation_number.validate(number)


def test_a_remainder_needing_check_digit_ten_has_no_valid_number() -> None:
    # Some first eight digits would need 10 as check digit: the register never issues them.
    first_eight = next(
        f"{n:08d}" for n in range(10_000_000, 10_001_000)
        if organisation_number.check_digit(f"{n:08d}") is None
    )  # fmt: skip
    for last in "0123456789":
        with pytest.raises(ValueError):
            organisation_number.validate(first_eight + last)
