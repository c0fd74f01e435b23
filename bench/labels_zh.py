"""Chinese labels of the benchmark's charts: datasets, stages, crypto columns and operations."""

from __future__ import annotations

STAGE_ZH = {
    "plain read": "直接读取",
    "sync": "同步",
    "standardise": "标准化",
    "validate": "质量校验",
    "protect": "保护",
    "tokenise/encrypt": "令牌化/加密",
    "PII detection": "个人信息识别",
}
DATASET_ZH = {
    "population": "人口",
    "enterprises": "企业",
    "cases": "诉求案件",
    "assistance": "救助",
}
COLUMN_ZH = {"resident_id": "身份证号", "phone": "手机号"}
OPERATION_ZH = {"seal": "加密", "open": "解密", "tokenise": "令牌化"}
