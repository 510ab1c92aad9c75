"""The tracking rule on its own (no database, no broker): which months count, and how the live
figure is held against the path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.contracts.ccc.schemas import CccDocument
from services.contracts.tracking.service import judge, judged_period
from tests.contracts.ccc_helpers import action

T = 10**9


def document(*actions: dict[str, object]) -> CccDocument:
    return CccDocument.model_validate(
        {
            "a2_emissions_gap": {
                "sectors": [
                    {
                        "gpc_reference": "II.1",
                        "baseline_year": 2022,
                        "baseline_tco2e": "1000",
                        "target_year": 2030,
                        "target_tco2e": "0",
                        "source": "test",
                    }
                ]
            },
            "b2_actions": list(actions),
        }
    )


def test_only_complete_local_months_count_and_january_judges_last_year() -> None:
    assert judged_period(datetime(2026, 3, 15, tzinfo=UTC)) == (2026, [1, 2])
    assert judged_period(datetime(2026, 1, 20, tzinfo=UTC)) == (2025, list(range(1, 13)))
    # 23:30 UTC on 31 January is already February in Oslo: January is complete.
    assert judged_period(datetime(2026, 1, 31, 23, 30, tzinfo=UTC)) == (2026, [1])


def test_the_live_figure_must_fall_at_least_as_the_path_in_the_same_months() -> None:
    doc = document(action("TR", reductions=[("II.1", 2025, "0"), ("II.1", 2026, "100")]))
    now = datetime(2026, 4, 2, tzinfo=UTC)  # January to March complete
    tr = doc.b2_actions[0]
    months = {
        ("II.1.1", 2025, 1): 100 * T,
        ("II.1.1", 2026, 1): 90 * T,  # exactly on the path (-10 %)
        ("II.1.2", 2025, 2): 50 * T,
        ("II.1.2", 2026, 2): 45 * T,
        ("II.1.1", 2026, 3): 999 * T,  # March of last year has no data: not compared
        ("I.1.1", 2026, 1): 10**6 * T,  # another sector: not counted
    }
    judged = judge(doc, tr, months, now)
    assert judged.status == "on_course"
    assert judged.months == [1, 2]
    assert (judged.observed_mg, judged.allowed_mg) == (135 * T, 135 * T)

    months[("II.1.2", 2026, 2)] += 1  # one milligram above the path
    assert judge(doc, tr, months, now).status == "behind"

    assert judge(doc, tr, {}, now).status == "no_data"
    outside = doc.model_copy(update={"a2_emissions_gap": doc.a2_emissions_gap.model_copy(
        update={"sectors": []})})  # fmt: skip
    judged = judge(outside, tr, months, now)
    assert (judged.status, judged.unjudged) == ("no_data", ["II.1"])


def test_an_action_behind_in_one_sector_is_behind() -> None:
    doc = CccDocument.model_validate(
        {
            "a2_emissions_gap": {
                "sectors": [
                    {"gpc_reference": ref, "baseline_year": 2022, "baseline_tco2e": "100",
                     "target_year": 2030, "target_tco2e": "0", "source": "test"}
                    for ref in ("II.1", "I.2")
                ]
            },
            "b2_actions": [
                action("X", reductions=[("II.1", 2026, "10"), ("I.2", 2026, "10")])
            ],
        }
    )  # fmt: skip
    months = {
        ("II.1.1", 2025, 1): 100,
        ("II.1.1", 2026, 1): 80,
        ("I.2.1", 2025, 1): 100,
        ("I.2.1", 2026, 1): 95,
    }
    judged = judge(doc, doc.b2_actions[0], months, datetime(2026, 2, 10, tzinfo=UTC))
    assert [r.status for r in judged.references] == ["behind", "on_course"]
    assert judged.status == "behind"
    assert judged.references[0].baseline_tco2e == Decimal("100")
