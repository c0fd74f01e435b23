"""Who may open the reviewer's pages: the action rule's ``read_audit`` (reviewers only)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends

from identity.models import Identity
from web.page_auth import page_for

Reviewer = Annotated[Identity, Depends(page_for("read_audit"))]
