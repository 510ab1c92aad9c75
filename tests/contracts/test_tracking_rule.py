"""The tracking rule on its own (no database, no broker): which months count, and how the live
figure is held against the path."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.contracts.ccc.schemas import CccDocument
from services.contracts.tracking.service import Live, judge, judge_indicator, judged_period
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
    judged = judge(doc, tr, Live(months), now)
    assert judged.status == "on_course"
    assert judged.months == [1, 2]
    assert (judged.observed_mg, judged.allowed_mg) == (135 * T, 135 * T)

    months[("II.1.2", 2026, 2)] += 1  # one milligram above the path
    assert judge(doc, tr, Live(months), now).status == "behind"

    assert judge(doc, tr, Live({}), now).status == "no_data"
    outside = doc.model_copy(update={"a2_emissions_gap": doc.a2_emissions_gap.model_copy(
        update={"sectors": []})})  # fmt: skip
    judged = judge(outside, tr, Live(months), now)
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
    judged = judge(doc, doc.b2_actions[0], Live(months), datetime(2026, 2, 10, tzinfo=UTC))
    assert [r.status for r in judged.references] == ["behind", "on_course"]
    assert judged.status == "behind"
    assert judged.references[0].baseline_tco2e == Decimal("100")


def indicator_doc(live_source: dict[str, object], **targets: str) -> CccDocument:
    return CccDocument.model_validate(
        {
            "b2_actions": [action("BE", field="buildings_and_energy")],
            "b3_indicators": [
                {
                    "id": "IND",
                    "name": "Energibruk i kommunale bygg",
                    "unit": "kWh/m²",
                    "action_ids": ["BE"],
                    "live_source": live_source,
                    **targets,
                }
            ],
        }
    )


def test_a_sensor_group_indicator_must_move_as_its_targets_do() -> None:
    # Targets 150 (2025) and 120 (2030): 144 in 2026, so the group's activity must fall 4 %.
    doc = indicator_doc(
        {"kind": "sensor_group", "group": "kommunale-bygg"}, target_2025="150", target_2030="120"
    )
    indicator, now = doc.b3_indicators[0], datetime(2026, 3, 2, tzinfo=UTC)
    groups = {
        ("kommunale-bygg", "kWh", 2025, 1): 1_000 * 10**6,
        ("kommunale-bygg", "kWh", 2026, 1): 960 * 10**6,  # exactly on the path
        ("kommunale-bygg", "kWh", 2026, 2): 10**12,  # February of 2025 has no data
        ("andre-bygg", "kWh", 2025, 1): 1,  # another group: not counted
    }
    judged = judge_indicator(indicator, Live({}, groups), now)
    assert (judged.status, judged.months, judged.direction) == ("on_course", [1], "falling")
    assert (judged.observed, judged.previous_year, judged.allowed) == (
        "960.000000",
        "1000.000000",
        "960.000000",
    )
    assert (judged.target_previous_year, judged.target_year) == ("150.000000", "144.000000")
    # The action the indicator follows is judged by it (it has no sector of its own here).
    assert judge(doc, doc.b2_actions[0], Live({}, groups), now).status == "on_course"

    groups[("kommunale-bygg", "kWh", 2026, 1)] += 1  # one millionth of a kWh above the path
    assert judge_indicator(indicator, Live({}, groups), now).status == "behind"
    action_judged = judge(doc, doc.b2_actions[0], Live({}, groups), now)
    assert action_judged.status == "behind"
    assert [(i.indicator_id, i.status) for i in action_judged.indicators] == [("IND", "behind")]

    assert judge_indicator(indicator, Live({}, {}), now).status == "no_data"
    unnamed = indicator_doc({"kind": "sensor_group", "sensor_ids": ["gw.meter-1"]})
    verdict = judge_indicator(unnamed.b3_indicators[0], Live({}, groups), now)
    assert verdict.status == "no_data" and "coverage group" in verdict.reason


def test_a_rising_target_path_asks_the_figure_to_rise() -> None:
    # Captured CO2 rising from 100 (2025) to 300 (2027): 200 in 2026, so it must double.
    doc = indicator_doc(
        {"kind": "gpc", "gpc_reference": "III.3"}, target_2025="100", target_2027="300"
    )
    indicator, now = doc.b3_indicators[0], datetime(2026, 2, 2, tzinfo=UTC)
    months = {("III.3.1", 2025, 1): 10 * T, ("III.3.1", 2026, 1): 19 * T}
    judged = judge_indicator(indicator, Live(months), now)
    assert (judged.status, judged.direction, judged.allowed) == ("behind", "rising", "20.000000000")
    months[("III.3.1", 2026, 1)] = 20 * T
    assert judge_indicator(indicator, Live(months), now).status == "on_course"
    # No target for 2031's step: nothing to judge.
    later = judge_indicator(indicator, Live(months), datetime(2031, 3, 1, tzinfo=UTC))
    assert later.status == "no_data" and "no target" in later.reason
