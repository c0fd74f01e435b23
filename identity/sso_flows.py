"""Single sign-on attempts in progress: one record each in ``state/sso_flows.json``.

A browser that starts signing in through an identity provider gets a random
flow id in a short-lived cookie; the hub keeps, under the id's hash, what the
provider's answer must match: the ``state`` it carries back, the ``nonce`` its
ID token must hold, the PKCE verifier of the code, and where the person was
going. A flow is taken out when its callback comes, whatever the outcome, so a
callback replayed (or a second one forged) finds nothing. Flows live
``FLOW_MINUTES``; expired ones are purged whenever the file is written, and at
most ``MAX_FLOWS`` are kept (the oldest go first), so starting flows in bulk
cannot fill the disk.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field

from identity.state_file import change_state

if TYPE_CHECKING:
    from pipelines.hub import Hub

FLOWS_FILE = "sso_flows.json"
FLOW_MINUTES = 10  # time to sign in at the provider (and type a second factor)
MAX_FLOWS = 1000


def _hash(flow_id: str) -> str:
    return hashlib.sha256(flow_id.encode("utf-8")).hexdigest()


def code_challenge(verifier: str) -> str:
    """PKCE S256 (RFC 7636): base64url of the verifier's SHA-256, without padding."""
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class SsoFlow(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    flow_hash: str
    provider: str
    state: str = Field(repr=False)
    nonce: str = Field(repr=False)
    verifier: str = Field(repr=False)
    next_path: str | None = None
    # The hash of the page session the browser held when it started: that session ends
    # when this sign-in succeeds, even though the browser does not send its (SameSite=
    # Strict) cookie along on the provider's redirect back.
    replaces: str | None = Field(default=None, repr=False)
    started_at: dt.datetime
    expires_at: dt.datetime

    def live(self, now: dt.datetime) -> bool:
        return now < self.expires_at


@dataclass(frozen=True)
class StartedFlow:
    flow_id: str = field(repr=False)  # for the browser's cookie only; the hub keeps its hash
    flow: SsoFlow

    @property
    def code_challenge(self) -> str:
        return code_challenge(self.flow.verifier)


class SsoFlowStore:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    @classmethod
    def in_folder(cls, state_dir: Path) -> SsoFlowStore:
        return cls(Path(state_dir) / FLOWS_FILE)

    def start(
        self,
        provider: str,
        now: dt.datetime,
        *,
        next_path: str | None = None,
        replaces: str | None = None,
    ) -> StartedFlow:
        flow_id = secrets.token_urlsafe(32)
        flow = SsoFlow(
            flow_hash=_hash(flow_id),
            provider=provider,
            state=secrets.token_urlsafe(32),
            nonce=secrets.token_urlsafe(32),
            verifier=secrets.token_urlsafe(48),  # 64 characters (RFC 7636: 43-128)
            next_path=next_path,
            replaces=replaces,
            started_at=now,
            expires_at=now + dt.timedelta(minutes=FLOW_MINUTES),
        )

        def change(records: list[dict[str, Any]]) -> None:
            _purge(records, now)
            records.append(flow.model_dump(mode="json"))
            del records[:-MAX_FLOWS]

        change_state(self.path, "flows", change)
        return StartedFlow(flow_id, flow)

    def take(self, flow_id: str, now: dt.datetime) -> SsoFlow | None:
        """The live flow of ``flow_id``, taken out so it is used once; None when there is
        none (never started here, already used, or expired)."""
        wanted = _hash(flow_id)

        def change(records: list[dict[str, Any]]) -> SsoFlow | None:
            _purge(records, now)
            for index, record in enumerate(records):
                if hmac.compare_digest(record["flow_hash"], wanted):
                    del records[index]
                    return SsoFlow.model_validate(record)
            return None

        return change_state(self.path, "flows", change)


def _purge(records: list[dict[str, Any]], now: dt.datetime) -> None:
    records[:] = [r for r in records if SsoFlow.model_validate(r).live(now)]


def sso_flows_of(hub: Hub) -> SsoFlowStore:
    return SsoFlowStore.in_folder(hub.home.state)
