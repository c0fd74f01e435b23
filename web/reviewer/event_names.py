"""Chinese names of the audit log's event kinds, for charts and tables (the code otherwise)."""

from __future__ import annotations

KIND_NAMES = {
    "api": "接口调用",
    "query": "查询",
    "reveal": "重识别",
    "download": "下载",
    "sign_in": "登录",
    "grant": "授权",
    "decision": "授权判定",
    "delivery_lookup": "交付查询",
    "sync": "同步",
    "stage": "暂存",
    "quality_result": "质量检查",
    "protect": "脱敏保护",
    "merge": "案件合并",
    "product_build": "产品构建",
    "room_build": "数据室构建",
    "room_prune": "数据室清理",
    "user": "用户管理",
    "api_client": "接入系统",
    "steward_action": "数据管理",
    "key_rotation": "密钥轮换",
    "config_change": "配置变更",
    "retention": "到期删除",
    "demo": "演示",
}


def kind_name(kind: str) -> str:
    return KIND_NAMES.get(kind, kind)
