"""A steward's changes to a contract from its page: a column's level, detected personal
data confirmed or overridden, a sharing type, a product's downgrade.

Each is the function ``shuzhi catalog set-level|classify|set-sharing|downgrade`` calls
(``catalog.steward``): the engine of ``policies.steward_actions`` decides (only the
contract's steward), every attempt is a ``steward_action`` audit event, and an allowed
change is written into the contract. A missing reason is shown in place, and nothing
is decided, written or audited; a refusal is the 403 page with its reason.
"""

from __future__ import annotations

from collections.abc import Callable

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response

from catalog.errors import ConfigError
from catalog.steward import (
    ContractChange,
    classify_column,
    record_downgrade,
    set_column_level,
    set_sharing,
)
from identity.models import Identity
from pipelines.hub import Hub
from policies.steward_actions import StewardActionRefused
from service.context import context_of
from service.errors import forbidden
from web.page_auth import PostedForm
from web.steward.access import StewardsCatalogue
from web.steward.detail_page import KIND_PATHS, contract_exists, detail_page

router = APIRouter(include_in_schema=False)

Change = Callable[[Hub, str], ContractChange]


def _act(
    request: Request,
    identity: Identity,
    kind: str,
    name: str,
    form_name: str,
    form: dict[str, str],
    change: Change,
) -> Response:
    contract_exists(request, kind, name)
    if not form.get("reason"):
        message = "请写明理由：数据管家的每个决定都需要理由 (a reason is required)"
        return detail_page(request, identity, kind, name, failed=(form_name, message), typed=form)
    try:
        made = change(context_of(request).hub, identity.principal)
    except StewardActionRefused as refusal:
        raise forbidden(str(refusal)) from None
    except (ValueError, ConfigError) as problem:
        return detail_page(
            request, identity, kind, name, failed=(form_name, str(problem)), typed=form
        )
    outcome = "changed" if made.changed else "unchanged"
    return RedirectResponse(
        f"/steward/{KIND_PATHS[kind]}/{name}?{outcome}={form_name}", status_code=303
    )


@router.post("/steward/datasets/{name}/level")
def level(name: str, request: Request, identity: StewardsCatalogue, form: PostedForm) -> Response:
    def change(hub: Hub, principal: str) -> ContractChange:
        return set_column_level(
            hub, name, form.get("column", ""), form.get("level", ""), principal, form["reason"]
        )

    return _act(request, identity, "dataset", name, "level", form, change)


@router.post("/steward/datasets/{name}/classify")
def classify(
    name: str, request: Request, identity: StewardsCatalogue, form: PostedForm
) -> Response:
    decision = form.get("decision", "")

    def change(hub: Hub, principal: str) -> ContractChange:
        if decision not in ("confirm", "override"):
            raise ValueError("choose to confirm or to override the detection")
        return classify_column(
            hub, name, form.get("column", ""), form.get("entity", ""),
            decision == "confirm", principal, form["reason"],
        )  # fmt: skip

    return _act(request, identity, "dataset", name, "classify", form, change)


def _set_sharing(
    request: Request, identity: Identity, kind: str, name: str, form: dict[str, str]
) -> Response:
    def change(hub: Hub, principal: str) -> ContractChange:
        return set_sharing(
            hub, name, form.get("sharing", ""), principal, form["reason"],
            form.get("refusal_reason", ""),
        )  # fmt: skip

    return _act(request, identity, kind, name, "sharing", form, change)


@router.post("/steward/datasets/{name}/sharing")
def dataset_sharing(
    name: str, request: Request, identity: StewardsCatalogue, form: PostedForm
) -> Response:
    return _set_sharing(request, identity, "dataset", name, form)


@router.post("/steward/products/{name}/sharing")
def product_sharing(
    name: str, request: Request, identity: StewardsCatalogue, form: PostedForm
) -> Response:
    return _set_sharing(request, identity, "product", name, form)


@router.post("/steward/products/{name}/downgrade")
def downgrade(
    name: str, request: Request, identity: StewardsCatalogue, form: PostedForm
) -> Response:
    def change(hub: Hub, principal: str) -> ContractChange:
        return record_downgrade(hub, name, form.get("level", ""), principal, form["reason"])

    return _act(request, identity, "product", name, "downgrade", form, change)
