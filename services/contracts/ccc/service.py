"""A city's CCC: starting versions, editing modules, the lifecycle, diffs and computed views.

Each change and its events commit together (outbox); a change to the tracked version's
portfolio re-judges its actions in the same transaction.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from services.contracts.actions.portfolio import (
    check_dependencies,
    cost_per_tonne_ore,
    cumulative_reduction_mg,
    cut_within_mg,
    mg,
)
from services.contracts.actions.schemas import Action
from services.contracts.ccc import lifecycle
from services.contracts.ccc.diff import diff
from services.contracts.ccc.models import CccTransition, CccVersion
from services.contracts.ccc.repository import CccRepository
from services.contracts.ccc.schemas import (
    ActionComputed,
    BaselineView,
    CccDiff,
    CccDocument,
    CccOverview,
    CccPatch,
    CccVersionPublic,
    CccVersionSummary,
    SectorGap,
    TrajectoryYear,
    TransitionRequest,
)
from services.contracts.investment import gap
from services.contracts.investment.money import format_nok, nok_from_ore
from services.contracts.investment.schemas import ActionInvestment
from services.contracts.mous.models import Mou
from services.contracts.partners.models import Partner
from services.contracts.tracking.models import PublishedInventory
from services.contracts.tracking.service import evaluate_city
from shared.auth import Principal, ensure_can_write
from shared.events.payloads import (
    CccStatusChanged,
    CccVersionStarted,
    FundingChanged,
    MissionLabelAwarded,
)
from shared.messaging.outbox import Outbox
from shared.problems import ProblemError
from shared.quantities import tco2e_from_mg


def _not_found(city: str, version: int | None = None) -> ProblemError:
    if version is None:
        return ProblemError(
            404,
            "Not Found",
            f"city '{city}' has no Climate City Contract yet",
            kind="not-found",
            field="/path/city",
        )
    return ProblemError(
        404,
        "Not Found",
        f"city '{city}' has no CCC version {version}",
        kind="not-found",
        field="/path/version",
    )


async def get_version(session: AsyncSession, city: str, version: int) -> CccVersion:
    ccc = await CccRepository(session).get(city, version)
    if ccc is None:
        raise _not_found(city, version)
    return ccc


def document_of(ccc: CccVersion) -> CccDocument:
    return CccDocument.model_validate(ccc.document)


# --- validation of a whole document ----------------------------------------------------------


async def validate(
    session: AsyncSession, city: str, document: CccDocument, where: dict[str, str] | None = None
) -> None:
    """422 naming the field for anything a document refers to that does not hold.

    ``where`` maps a document pointer prefix to the request pointer it came from (a PATCH
    sends modules under /body, an action PUT sends one action as the body)."""
    where = where or {"": "/body"}

    def field(pointer: str) -> str:
        for prefix in sorted(where, key=len, reverse=True):
            if pointer == prefix or pointer.startswith(prefix + "/") or prefix == "":
                return where[prefix] + pointer[len(prefix) :]
        return "/body" + pointer

    try:
        check_dependencies(document.b2_actions, field="/b2_actions")
    except ProblemError as exc:
        exc.field = field(exc.field or "")
        raise
    action_ids = {a.id for a in document.b2_actions}
    if document.a1_baseline is not None and document.a1_baseline.city != city:
        raise ProblemError(
            422,
            "Baseline of another city",
            f"the A-1 baseline names city '{document.a1_baseline.city}', not '{city}'",
            kind="validation",
            field=field("/a1_baseline/city"),
        )
    references: list[tuple[str, uuid.UUID]] = []
    for i, action in enumerate(document.b2_actions):
        if action.responsible_partner_id is not None:
            references.append(
                (f"/b2_actions/{i}/responsible_partner_id", action.responsible_partner_id)
            )
        references += [
            (f"/b2_actions/{i}/stakeholder_partner_ids/{n}", p)
            for n, p in enumerate(action.stakeholder_partner_ids)
        ]
    references += [
        (f"/a3_barriers_and_stakeholders/stakeholder_map/{n}/partner_id", entry.partner_id)
        for n, entry in enumerate(document.a3_barriers_and_stakeholders.stakeholder_map)
    ]
    for pointer, partner_id in references:
        partner = await session.get(Partner, partner_id)
        if partner is None or partner.city != city:
            raise ProblemError(
                422,
                "Unknown partner",
                f"no partner '{partner_id}' of city '{city}'; register the partner first",
                kind="unknown-partner",
                field=field(pointer),
            )
    for n, mou_id in enumerate(document.commitments.stakeholder_mou_ids):
        mou = await session.get(Mou, mou_id)
        if mou is None or mou.city != city:
            raise ProblemError(
                422,
                "Unknown MoU",
                f"no MoU '{mou_id}' of city '{city}'",
                kind="unknown-mou",
                field=field(f"/commitments/stakeholder_mou_ids/{n}"),
            )
    action_refs = [
        (f"/investment_plan/actions/{n}/action_id", inv.action_id)
        for n, inv in enumerate(document.investment_plan.actions)
    ]
    for n, indicator in enumerate(document.b3_indicators):
        action_refs += [
            (f"/b3_indicators/{n}/action_ids/{k}", a) for k, a in enumerate(indicator.action_ids)
        ]
    for n, pathway in enumerate(document.b1_impact_pathways):
        action_refs += [
            (f"/b1_impact_pathways/{n}/action_ids/{k}", a) for k, a in enumerate(pathway.action_ids)
        ]
    for pointer, action_id in action_refs:
        if action_id not in action_ids:
            raise ProblemError(
                422,
                "Unknown action",
                f"no action '{action_id}' in the B-2 portfolio",
                kind="unknown-action",
                field=field(pointer),
            )
    indicator_ids = [i.id for i in document.b3_indicators]
    for n, indicator_id in enumerate(indicator_ids):
        if indicator_ids.index(indicator_id) != n:
            raise ProblemError(
                422,
                "Duplicate indicator",
                f"two indicators have the id {indicator_id}",
                kind="validation",
                field=field(f"/b3_indicators/{n}/id"),
            )


# --- events of a content change ------------------------------------------------------------


async def _stage_funding_changes(
    session: AsyncSession,
    outbox: Outbox,
    ccc: CccVersion,
    before: CccDocument | None,
    after: CccDocument,
) -> None:
    old = {i.action_id: i for i in before.investment_plan.actions} if before else {}
    new = {i.action_id: i for i in after.investment_plan.actions}
    for action_id in sorted(set(old) | set(new)):
        old_years = gap.funding_years(old.get(action_id))
        new_years = gap.funding_years(new.get(action_id))
        if old_years == new_years:
            continue
        await outbox.add(
            session,
            FundingChanged(
                city=ccc.city,
                version=ccc.version,
                action_id=action_id,
                years=new_years,
                cost_ore=sum(y.cost_ore for y in new_years),
                committed_ore=sum(y.committed_ore for y in new_years),
                gap_ore=sum(y.gap_ore for y in new_years),
            ),
            key=ccc.city,
            subject=f"cities/{ccc.city}/ccc/versions/{ccc.version}/actions/{action_id}",
        )


async def _store(
    session: AsyncSession,
    outbox: Outbox,
    ccc: CccVersion,
    before: CccDocument | None,
    after: CccDocument,
    where: dict[str, str] | None = None,
) -> CccVersion:
    await validate(session, ccc.city, after, where)
    ccc.document = after.model_dump(mode="json")
    ccc.updated_at = datetime.now(UTC)
    await session.flush()
    await _stage_funding_changes(session, outbox, ccc, before, after)
    await evaluate_city(session, outbox, ccc.city)
    return ccc


def _editable(ccc: CccVersion) -> None:
    if ccc.status not in lifecycle.EDITABLE:
        raise ProblemError(
            409,
            "Not editable",
            f"CCC version {ccc.version} of '{ccc.city}' is {ccc.status}; its content changes "
            "only in draft or revision_requested (start a new version after the label)",
            kind="not-editable",
            field="/path/version",
            extra={"status": ccc.status},
        )


def _same_action(body_id: str, path_id: str, name: str) -> None:
    """A body names the action of its path, or the request is a 422 naming the body's field."""
    if body_id != path_id:
        raise ProblemError(
            422,
            "Action id mismatch",
            f"the body's {name} {body_id} is not the path's {path_id}",
            kind="validation",
            field=f"/body/{name}",
        )


# --- commands ------------------------------------------------------------------------------


async def start_ccc(
    session: AsyncSession, outbox: Outbox, principal: Principal, city: str, document: CccDocument
) -> CccVersion:
    """Version 1 of a city's CCC, in draft."""
    ensure_can_write(principal, city, "/path/city")
    repo = CccRepository(session)
    if await repo.newest(city) is not None:
        raise ProblemError(
            409,
            "Conflict",
            f"city '{city}' has a CCC already; start its next version after the label",
            kind="ccc-exists",
            field="/path/city",
        )
    return await _start_version(session, outbox, principal, city, 1, None, document)


async def iterate(
    session: AsyncSession, outbox: Outbox, principal: Principal, city: str
) -> CccVersion:
    """The yearly iteration: version n+1 in draft, copied from the newest version, which must
    hold the Mission Label."""
    ensure_can_write(principal, city, "/path/city")
    newest = await CccRepository(session).newest(city)
    if newest is None:
        raise _not_found(city)
    if newest.status != "label_awarded":
        raise ProblemError(
            409,
            "Conflict",
            f"the newest version ({newest.version}) is {newest.status}; a yearly iteration "
            "starts from a version that holds the Mission Label",
            kind="illegal-transition",
            field="/path/city",
            extra={"status": newest.status},
        )
    return await _start_version(
        session, outbox, principal, city, newest.version + 1, newest.version, document_of(newest)
    )


async def _start_version(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    copied_from: int | None,
    document: CccDocument,
) -> CccVersion:
    now = datetime.now(UTC)
    await validate(session, city, document)
    ccc = CccVersion(
        city=city,
        version=version,
        status="draft",
        copied_from_version=copied_from,
        document=document.model_dump(mode="json"),
        created_by=principal.subject,
        created_at=now,
        updated_at=now,
    )
    repo = CccRepository(session)
    repo.add(ccc)
    repo.add(
        CccTransition(
            city=city,
            version=version,
            transition="start" if copied_from is None else "iterate",
            from_status=None,
            to_status="draft",
            by=principal.subject,
            at=now,
            comments={},
        )
    )
    await session.flush()
    await outbox.add(
        session,
        CccVersionStarted(
            city=city,
            version=version,
            copied_from_version=copied_from,
            started_by=principal.subject,
            started_at=now,
        ),
        key=city,
        subject=f"cities/{city}/ccc/versions/{version}",
    )
    # A new version's funding is announced as its own (an iteration copies the labelled one's).
    await _stage_funding_changes(session, outbox, ccc, None, document)
    await evaluate_city(session, outbox, city)
    return ccc


async def patch_version(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    patch: CccPatch,
) -> CccVersion:
    ensure_can_write(principal, city, "/path/city")
    ccc = await get_version(session, city, version)
    _editable(ccc)
    before = document_of(ccc)
    merged = before.model_dump(mode="json")
    for module in patch.model_fields_set:
        value = getattr(patch, module)
        if value is None and module != "a1_baseline":
            continue  # null for a module that cannot be empty: left as it is
        merged[module] = _dump(value)
    after = CccDocument.model_validate(merged)
    return await _store(session, outbox, ccc, before, after)


def _dump(value: Any) -> Any:
    if isinstance(value, list):
        return [_dump(v) for v in value]
    return value.model_dump(mode="json") if hasattr(value, "model_dump") else value


async def put_action(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    action_id: str,
    action: Action,
) -> tuple[CccVersion, bool]:
    """Add or replace one action; True when it is new."""
    ensure_can_write(principal, city, "/path/city")
    _same_action(action.id, action_id, "id")
    ccc = await get_version(session, city, version)
    _editable(ccc)
    before = document_of(ccc)
    actions = list(before.b2_actions)
    index = next((i for i, a in enumerate(actions) if a.id == action_id), None)
    created = index is None
    if index is None:
        index = len(actions)
        actions.append(action)
    else:
        actions[index] = action
    after = before.model_copy(update={"b2_actions": actions})
    await _store(session, outbox, ccc, before, after, {f"/b2_actions/{index}": "/body"})
    return ccc, created


async def delete_action(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    action_id: str,
) -> CccVersion:
    """Remove an action; refused (422) while other parts of the CCC still refer to it."""
    ensure_can_write(principal, city, "/path/city")
    ccc = await get_version(session, city, version)
    _editable(ccc)
    before = document_of(ccc)
    find_action(before, action_id, version)
    after = before.model_copy(
        update={"b2_actions": [a for a in before.b2_actions if a.id != action_id]}
    )
    try:
        return await _store(session, outbox, ccc, before, after)
    except ProblemError as exc:
        raise ProblemError(
            422,
            "Action still referred to",
            f"action {action_id} is still referred to: {exc.detail}",
            kind="action-in-use",
            field="/path/action_id",
        ) from exc


async def put_action_investment(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    action_id: str,
    investment: ActionInvestment,
) -> CccVersion:
    """Replace one action's costing and funding in the investment plan."""
    ensure_can_write(principal, city, "/path/city")
    _same_action(investment.action_id, action_id, "action_id")
    ccc = await get_version(session, city, version)
    _editable(ccc)
    before = document_of(ccc)
    find_action(before, action_id, version)
    lines = [i for i in before.investment_plan.actions if i.action_id != action_id]
    lines.append(investment)
    plan = before.investment_plan.model_copy(update={"actions": lines})
    after = before.model_copy(update={"investment_plan": plan})
    return await _store(session, outbox, ccc, before, after)


async def transition(
    session: AsyncSession,
    outbox: Outbox,
    principal: Principal,
    city: str,
    version: int,
    request: TransitionRequest,
) -> CccVersion:
    ensure_can_write(principal, city, "/path/city")
    step = lifecycle.STEPS[request.transition]
    if step.reviewer_only and principal.role != "admin":
        raise ProblemError(
            403,
            "Forbidden",
            f"'{request.transition}' is the reviewer's step (an admin token); a city cannot "
            "review or award its own contract",
            kind="forbidden",
            field="/body/transition",
        )
    ccc = await get_version(session, city, version)
    source = ccc.status
    now = datetime.now(UTC)
    if source not in step.source or not await CccRepository(session).move(
        ccc, source, step.target, now
    ):
        current = ccc.status
        allowed = lifecycle.allowed_from(current)
        raise ProblemError(
            409,
            "Illegal transition",
            f"CCC version {version} of '{city}' is {current}: '{request.transition}' is not "
            f"possible from {current} (possible: {', '.join(allowed) or 'none'})",
            kind="illegal-transition",
            field="/body/transition",
            extra={"status": current, "allowed": allowed},
        )
    comments = {str(module): text for module, text in request.comments.items()}
    CccRepository(session).add(
        CccTransition(
            city=city,
            version=version,
            transition=request.transition,
            from_status=source,
            to_status=step.target,
            by=principal.subject,
            at=now,
            comments=comments,
        )
    )
    await session.flush()
    await outbox.add(
        session,
        CccStatusChanged(
            city=city,
            version=version,
            transition=request.transition,
            previous_status=source,
            status=step.target,
            by=principal.subject,
            at=now,
            comments=comments,
        ),
        key=city,
        subject=f"cities/{city}/ccc/versions/{version}",
    )
    if step.target == "label_awarded":
        await outbox.add(
            session,
            MissionLabelAwarded(
                city=city, version=version, awarded_by=principal.subject, awarded_at=now
            ),
            key=city,
            subject=f"cities/{city}/ccc/versions/{version}",
        )
        # The awarded version becomes the tracked one.
        await evaluate_city(session, outbox, city, now)
    return ccc


# --- reads ---------------------------------------------------------------------------------


async def overview(session: AsyncSession, city: str) -> CccOverview:
    versions = await CccRepository(session).versions(city)
    if not versions:
        raise _not_found(city)
    awarded = [v.version for v in versions if v.status == "label_awarded"]
    return CccOverview(
        city=city,
        versions=[CccVersionSummary.model_validate(v) for v in versions],
        label_awarded_version=max(awarded) if awarded else None,
        tracked_version=max(awarded) if awarded else versions[-1].version,
    )


def emissions_gap(document: CccDocument) -> list[SectorGap]:
    rows = []
    for sector in document.a2_emissions_gap.sectors:
        portfolio = sum(
            cut_within_mg(a, sector.gpc_reference, sector.target_year) for a in document.b2_actions
        )
        baseline, target = mg(sector.baseline_tco2e), mg(sector.target_tco2e)
        required = baseline - target
        span = sector.target_year - sector.baseline_year
        trajectory = []
        for year in range(sector.baseline_year, sector.target_year + 1):
            # Straight from the baseline to the target, whole mg rounded down.
            allowed = baseline - required * (year - sector.baseline_year) // span
            cut = sum(cut_within_mg(a, sector.gpc_reference, year) for a in document.b2_actions)
            trajectory.append(
                TrajectoryYear(
                    year=year,
                    trajectory_tco2e=tco2e_from_mg(allowed),
                    portfolio_reduction_tco2e=tco2e_from_mg(cut),
                    expected_tco2e=tco2e_from_mg(baseline - cut),
                    gap_tco2e=tco2e_from_mg(baseline - cut - allowed),
                )
            )
        rows.append(
            SectorGap(
                gpc_reference=sector.gpc_reference,
                baseline_year=sector.baseline_year,
                baseline_tco2e=sector.baseline_tco2e,
                target_year=sector.target_year,
                target_tco2e=sector.target_tco2e,
                required_reduction_tco2e=tco2e_from_mg(required),
                portfolio_reduction_tco2e=tco2e_from_mg(portfolio),
                gap_tco2e=tco2e_from_mg(required - portfolio),
                source=sector.source,
                trajectory=trajectory,
            )
        )
    return rows


def action_figures(document: CccDocument) -> list[ActionComputed]:
    rows = []
    for action in document.b2_actions:
        cost = gap.total_cost_ore(document.investment_plan, action.id)
        reduction = cumulative_reduction_mg(action)
        per_tonne = cost_per_tonne_ore(cost, reduction)
        rows.append(
            ActionComputed(
                action_id=action.id,
                total_cost_nok=format_nok(nok_from_ore(cost)),
                cumulative_reduction_tco2e=tco2e_from_mg(reduction),
                cost_per_tco2e_nok=None
                if per_tonne is None
                else format_nok(nok_from_ore(per_tonne)),
            )
        )
    return rows


async def baseline_view(session: AsyncSession, document: CccDocument) -> BaselineView | None:
    ref = document.a1_baseline
    if ref is None:
        return None
    seen = await session.get(PublishedInventory, (ref.city, ref.year, ref.version))
    return BaselineView(
        city=ref.city,
        year=ref.year,
        version=ref.version,
        published=seen is not None,
        total_tco2e=None if seen is None else tco2e_from_mg(seen.total_co2e_mg),
        level=None if seen is None else seen.level,
        link=f"/v1/cities/{ref.city}/inventories/{ref.year}/versions/{ref.version}",
    )


async def version_public(session: AsyncSession, ccc: CccVersion) -> CccVersionPublic:
    document = document_of(ccc)
    return CccVersionPublic(
        city=ccc.city,
        version=ccc.version,
        status=ccc.status,
        copied_from_version=ccc.copied_from_version,
        created_by=ccc.created_by,
        created_at=ccc.created_at,
        updated_at=ccc.updated_at,
        document=document,
        baseline=await baseline_view(session, document),
        emissions_gap=emissions_gap(document),
        actions=action_figures(document),
    )


async def compare(session: AsyncSession, city: str, from_version: int, to_version: int) -> CccDiff:
    repo = CccRepository(session)
    documents = []
    for name, number in (("from_version", from_version), ("to_version", to_version)):
        ccc = await repo.get(city, number)
        if ccc is None:
            raise ProblemError(
                404,
                "Not Found",
                f"no CCC version {number} of '{city}'",
                kind="not-found",
                field=f"/query/{name}",
            )
        documents.append(ccc.document)
    old, new = documents
    return CccDiff(
        city=city,
        from_version=from_version,
        to_version=to_version,
        changes=diff(old, new),
    )


def find_action(document: CccDocument, action_id: str, version: int | None = None) -> Action:
    """The action of the path's ``action_id``, or the 404 naming it (and the version, if given)."""
    for action in document.b2_actions:
        if action.id == action_id:
            return action
    where = "" if version is None else f" in version {version}"
    raise ProblemError(
        404,
        "Not Found",
        f"no action '{action_id}'{where}",
        kind="not-found",
        field="/path/action_id",
    )
