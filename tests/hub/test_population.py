"""The per-capita basis: only figures verified against a copy of SSB's table 07459 are used."""

from __future__ import annotations

from services.hub.progress.population import SOURCE, population, rows


def test_every_verified_figure_names_the_copy_it_was_checked_against() -> None:
    data = rows()
    assert {row.city for row in data} == {"oslo", "trondheim", "stavanger", "tromso"}
    for row in data:
        assert row.count > 0
        assert bool(row.checked_against) == row.verified, row


def test_an_unverified_figure_is_never_used_and_the_year_used_is_said() -> None:
    data = rows()
    unverified = [row for row in data if not row.verified]
    assert unverified, "the data file marks the figures it could not verify"
    for row in unverified:
        used = population(row.city, row.year)
        assert used is not None and used.year != row.year
        verified_earlier = [
            r for r in data if r.city == row.city and r.verified and r.year < row.year
        ]
        newest = max(verified_earlier, key=lambda r: r.year)
        assert (used.year, used.count, used.source) == (newest.year, newest.count, SOURCE)
    for row in data:
        if row.verified:
            found = population(row.city, row.year)
            assert found is not None and (found.year, found.count) == (row.year, row.count)


def test_a_city_without_verified_data_has_no_population() -> None:
    assert population("nyby", 2023) is None
