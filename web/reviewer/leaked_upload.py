"""A leaked file uploaded for tracing: size-limited, read once, never kept.

``audit.trace`` reads a file by its path (its suffix says CSV, XLSX or text, as
for ``shuzhi audit trace FILE``), so the upload is written to a 0600 file under
the hub's state folder for the length of the request and deleted when the trace
has read it. Its size is the service's body limit (``max_body_bytes`` in
config/api.yaml), which service.body_limit enforces before the body is read.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from starlette.datastructures import FormData, UploadFile

# What ``shuzhi audit trace`` reads: CSV (UTF-8 or GBK), XLSX, or text pasted into a file.
ACCEPTED = {".csv", ".xlsx", ".xlsm", ".txt", ".tsv", ""}
FIELD = "file"


class UnreadableUpload(ValueError):
    """An upload the trace cannot read; the message says why, in Chinese and English."""

    def __init__(self, zh: str, en: str) -> None:
        super().__init__(en)
        self.zh = zh
        self.en = en


def uploaded_file(form: FormData) -> UploadFile:
    upload = form.get(FIELD)
    if not isinstance(upload, UploadFile) or not upload.filename:
        raise UnreadableUpload("请选择要溯源的文件", "choose the file to trace")
    suffix = Path(upload.filename).suffix.lower()
    if suffix == ".xls":
        raise UnreadableUpload(
            "不支持旧版 Excel（.xls）：请另存为 .xlsx 或 .csv 后上传",
            "old Excel files (.xls) are not read: save it as .xlsx or .csv and upload that",
        )
    if suffix not in ACCEPTED:
        raise UnreadableUpload(
            f"不支持 {suffix} 文件：请上传 CSV、XLSX 或文本文件",
            f"{suffix} files are not read: upload a CSV, XLSX or text file",
        )
    return upload


@contextmanager
def held_for_the_request(upload: UploadFile, state_dir: Path) -> Iterator[Path]:
    """The upload as a private file with its suffix, deleted when the block ends."""
    folder = state_dir / "trace-uploads"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    suffix = Path(upload.filename or "").suffix.lower()
    fd, name = tempfile.mkstemp(suffix=suffix, dir=folder)  # 0600
    try:
        with os.fdopen(fd, "wb") as handle:
            upload.file.seek(0)
            shutil.copyfileobj(upload.file, handle)
        yield Path(name)
    finally:
        Path(name).unlink(missing_ok=True)
