"""The district's category tree and the channels' code tables."""

from __future__ import annotations

import pytest

from catalog.categories import CategoryTree, load_category_tree, load_code_table
from home.layout import config_dir

TREE = load_category_tree(config_dir(), "case_categories.yaml")


@pytest.mark.parametrize(
    ("text", "leaf"),
    [
        ("[ADDRESS]楼下烧烤店每天凌晨还在营业，噪音很大", "噪音扰民"),
        ("小区门口垃圾好几天没人清运，臭味很大", "环境卫生"),
        ("消防通道被杂物堵死，消火栓也没有水", "消防安全"),  # 消防 ×1 + 消火栓 beats 杂物
        ("长期占用消防通道停放货车", "停车管理"),  # two words of 停车 against one of 消防
        ("大狗不拴绳，已经咬伤过小孩", "养犬管理"),
        ("今天天气不错，出去走走", "未分类"),  # no keyword: the fallback leaf
        ("", "未分类"),
    ],
)
def test_a_text_gets_the_leaf_whose_keywords_it_holds_most(text: str, leaf: str) -> None:
    assert TREE.classify(text) == leaf


def test_every_leaf_has_a_parent_and_the_fallback_is_a_leaf() -> None:
    assert TREE.fallback in TREE.leaves
    assert TREE.parent["噪音扰民"] == "生态环境"
    assert len(TREE.leaves) == 13


def test_a_keyword_given_to_two_leaves_is_refused() -> None:
    with pytest.raises(ValueError, match="keyword '噪音' is given to both"):
        CategoryTree.model_validate(
            {
                "title": "t",
                "fallback": "b",
                "categories": [
                    {"name": "A", "children": [{"name": "a", "keywords": ["噪音"]}]},
                    {"name": "B", "children": [{"name": "b", "keywords": ["噪音"]}]},
                ],
            }
        )


def test_the_fallback_must_be_a_leaf() -> None:
    with pytest.raises(ValueError, match="fallback 'x' is not a leaf"):
        CategoryTree.model_validate(
            {
                "title": "t",
                "fallback": "x",
                "categories": [{"name": "A", "children": [{"name": "a"}]}],
            }
        )


def test_code_tables_read_numeric_codes_as_text() -> None:
    codes = load_code_table(config_dir(), "case_codes/wechat_categories.yaml").codes
    assert codes["101"] == "噪音扰民" and all(isinstance(k, str) for k in codes)
    assert set(codes.values()) <= TREE.leaves
