"""The dispatch system's log (统一分拨): every hand-over of a work order between departments.

A work order that was transferred k times has k rows, in order: the first department
assigned passes it on, sometimes the next one passes it back (退回: a bounce A→B→A),
and the last row's receiving department is the one the channel's record names. The
channel's own count of transfers (the hotline's 转派次数, the grid app's
transfer_count) is k. Dirt is drawn per row by rate, the first rows carrying one of
each kind so every kind occurs.
"""

from __future__ import annotations

import datetime as dt
import random

from demo.case_texts import CATEGORIES
from demo.dates import EXPORT_TIME, iso_datetime, slash_date
from demo.dirt import DirtClass, DirtKind, DirtLedger
from demo.grid_centre import DISPATCH, FILE, GridCentreDb

SOURCE = "case_transfers"
# How the dispatch system names the system a work order came in through.
CHANNEL_NAMES = {
    "hl_cases": "12345热线",
    "mb_cases": "市长信箱",
    "wx_cases": "微信小程序",
    "gd_cases": "网格巡查",
    "wb_cases": "网络舆情",
}
REASONS = ("职责不符", "属地管辖", "需要协办")
RETURN_REASON = "退回重派"
DEPARTMENTS = tuple(sorted({d for _, depts in CATEGORIES.values() for d in depts} | {"街道办"}))
_BOUNCE = 0.35  # a department hands the order back to the one that sent it

FIXABLE, UNFIXABLE = DirtClass.FIXABLE, DirtClass.UNFIXABLE
RETURNED_SPELLING = DirtKind(
    "returned_spelling", FIXABLE, "returned", 0.02, "是否退回 written Y/N or 1/0 instead of 是/否"
)
TIME_SPELLING = DirtKind(
    "time_spelling", FIXABLE, "transferred_at", 0.03, "hand-over time as 2026/11/3 9:05"
)
CHANNEL_UNKNOWN = DirtKind(
    "channel_unknown", UNFIXABLE, "channel", 0.01, "an intake system the hub has no source for"
)
TIME_UNPARSEABLE = DirtKind(
    "transferred_at_unparseable", UNFIXABLE, "transferred_at", 0.01, "hand-over time 待补录"
)
TO_MISSING = DirtKind("to_dept_missing", UNFIXABLE, "to_dept", 0.01, "receiving department empty")
KINDS = (RETURNED_SPELLING, TIME_SPELLING, CHANNEL_UNKNOWN, TIME_UNPARSEABLE, TO_MISSING)
_UNKNOWN_CHANNELS = ("政务服务APP", "人民网留言板", "信访局转来")


def department_chain(rng: random.Random, final: str, transfers: int) -> list[str]:
    """The departments that held an order, first to last (``transfers`` + 1 of them),
    ending at ``final``: drawn backwards, a bounce repeating the one two steps on."""
    chain = [final]
    while len(chain) <= transfers:
        if len(chain) >= 2 and rng.random() < _BOUNCE:
            chain.append(chain[-2])
        else:
            chain.append(rng.choice([d for d in DEPARTMENTS if d != chain[-1]]))
    return chain[::-1]


class DispatchLog:
    """Writes the hand-overs of each work order into the grid centre's database."""

    def __init__(self, db: GridCentreDb, rng: random.Random, ledger: DirtLedger) -> None:
        self._db = db
        self._rng = rng
        self._ledger = ledger
        self._unplanted = list(KINDS)  # each kind once, on the first rows, then by rate
        self._cumulative = []
        total = 0.0
        for kind in KINDS:
            total += kind.rate
            self._cumulative.append((total, kind))

    @property
    def rows(self) -> int:
        """Hand-overs logged so far."""
        return self._db.rows[DISPATCH]

    def _kind(self) -> DirtKind | None:
        if self._unplanted:
            return self._unplanted.pop(0)
        draw = self._rng.random()
        return next((kind for bound, kind in self._cumulative if draw < bound), None)

    def record(
        self,
        source: str,
        case_no: str,
        received: dt.datetime,
        closed: dt.datetime | None,
        chain: list[str],
    ) -> None:
        """Log the hand-overs along ``chain`` of one order received at ``received``."""
        rng = self._rng
        end = closed or EXPORT_TIME
        span = max((end - received).total_seconds(), 60.0)
        for seq in range(1, len(chain)):
            returned = seq >= 2 and chain[seq] == chain[seq - 2]
            at = received + dt.timedelta(
                seconds=int(span * (seq - rng.random() * 0.5) / len(chain))
            )
            log_id = self._db.rows[DISPATCH] + 1
            row: list[object] = [
                log_id,
                CHANNEL_NAMES[source],
                case_no,
                seq,
                chain[seq - 1],
                chain[seq],
                iso_datetime(at),
                RETURN_REASON if returned else rng.choice(REASONS),
                "是" if returned else "否",
            ]
            kind = self._kind()
            if kind is not None:
                _soil(rng, row, kind, at)
                self._ledger.record(SOURCE, FILE, log_id, f"{source}/{case_no}/{seq}", kind)
            self._db.add(DISPATCH, row)


def _soil(rng: random.Random, row: list[object], kind: DirtKind, at: dt.datetime) -> None:
    if kind is RETURNED_SPELLING:
        row[8] = rng.choice(("Y", "1")) if row[8] == "是" else rng.choice(("N", "0"))
    elif kind is TIME_SPELLING:
        row[6] = f"{slash_date(at.date())} {at.hour}:{at.minute:02d}"
    elif kind is CHANNEL_UNKNOWN:
        row[1] = rng.choice(_UNKNOWN_CHANNELS)
    elif kind is TIME_UNPARSEABLE:
        row[6] = "待补录"
    elif kind is TO_MISSING:
        row[5] = ""
    else:
        raise ValueError(f"no way to soil a hand-over with {kind.name}")
