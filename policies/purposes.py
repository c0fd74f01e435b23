"""The purpose catalogue: the purposes data may be used for, and how a caller names one.

A grant accepts some purposes (``purposes:``, codes of ``config/purposes.yaml``);
a caller states one, by its code or its Chinese name. The engine decides whether
the stated purpose is one the grant accepts (policies.engine, step 4;
policies.reveal_decision, step 4).
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

PURPOSES_FILE = "purposes.yaml"


class Purpose(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str = Field(pattern=r"^[a-z][a-z0-9_]*$")
    name: str = Field(min_length=2)
    description: str = ""


class PurposesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")
    purposes: list[Purpose] = Field(default_factory=list)


class AnyPurpose:
    """Decide as if the purpose were one the grants accept: for building rooms and
    explaining them, where no one is reading data for a purpose yet."""

    def __repr__(self) -> str:
        return "ANY_PURPOSE"


ANY_PURPOSE = AnyPurpose()


def resolve_purpose(stated: str | None, catalogue: list[Purpose]) -> str:
    """The code a caller means: a catalogue code or Chinese name becomes its code; any
    other text stays as it is (an access request's grant accepts its own stated purpose)."""
    text = " ".join((stated or "").split())
    for purpose in catalogue:
        if text in (purpose.code, purpose.name):
            return purpose.code
    return text


def describe_purposes(codes: list[str], catalogue: list[Purpose]) -> str:
    """``home_visit (入户走访), …`` for a refusal that tells the caller what to give."""
    names = {p.code: p.name for p in catalogue}
    return ", ".join(f"{code} ({names[code]})" if code in names else code for code in codes)
