"""The district's category tree and the code tables that map a channel's codes onto it.

A tree (``config/case_categories.yaml``) lists top-level categories, each with its
leaves; a staged category is always a leaf name. Leaves carry the keywords that
classify a text with no category of its own (a Weibo post), and the tree names the
``fallback`` leaf (其他/未分类) a text matching no keyword gets.

A code table (``config/case_codes/<name>.yaml``) maps the codes one channel writes
(``"101"``, ``"噪声污染"``) to values of one contract column; where the column has a
vocabulary, every target must be in it (checked when the catalogue loads).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from catalog import yaml_text
from catalog.errors import ConfigError, load_model


class Leaf(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    # Words that, found in a text, put it in this leaf (longest match wins, see classify).
    keywords: list[str] = Field(default_factory=list)


class Branch(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    name: str = Field(min_length=1)
    children: list[Leaf] = Field(min_length=1)


class CategoryTree(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ignored_types=(cached_property,))
    title: str
    fallback: str  # the leaf a text gets when no keyword matches (其他/未分类)
    categories: list[Branch] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> CategoryTree:
        names = [leaf.name for branch in self.categories for leaf in branch.children]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"leaf names must be unique; repeated: {repeated}")
        if self.fallback not in names:
            raise ValueError(f"fallback {self.fallback!r} is not a leaf of the tree")
        owner: dict[str, str] = {}
        for branch in self.categories:
            for leaf in branch.children:
                for word in leaf.keywords:
                    if word in owner and owner[word] != leaf.name:
                        raise ValueError(
                            f"keyword {word!r} is given to both {owner[word]!r} and {leaf.name!r}"
                        )
                    owner[word] = leaf.name
        return self

    @cached_property
    def leaves(self) -> frozenset[str]:
        return frozenset(leaf.name for branch in self.categories for leaf in branch.children)

    @cached_property
    def parent(self) -> dict[str, str]:
        """Leaf name → its top-level category."""
        return {leaf.name: b.name for b in self.categories for leaf in b.children}

    @cached_property
    def keywords(self) -> list[tuple[str, str]]:
        """(keyword, leaf), longest keywords first so that a longer word wins a tie."""
        pairs = [
            (w, leaf.name) for b in self.categories for leaf in b.children for w in leaf.keywords
        ]
        return sorted(pairs, key=lambda pair: (-len(pair[0]), pair[0]))

    def classify(self, text: str | None) -> str:
        """The leaf whose keywords occur most often in ``text``; the fallback when none do.

        Ties go to the leaf whose matching keyword is longest, then to the tree's order.
        """
        if not text:
            return self.fallback
        hits: dict[str, int] = {}
        longest: dict[str, int] = {}
        for word, leaf in self.keywords:
            count = text.count(word)
            if count:
                hits[leaf] = hits.get(leaf, 0) + count
                longest[leaf] = max(longest.get(leaf, 0), len(word))
        if not hits:
            return self.fallback
        order = {leaf: i for i, leaf in enumerate(self.parent)}
        return min(hits, key=lambda leaf: (-hits[leaf], -longest[leaf], order[leaf]))


def codes_as_text(value: object) -> object:
    """YAML reads ``101: 噪音扰民`` with an integer key; a channel's code is text either way."""
    if isinstance(value, dict):
        return {str(k).strip(): v for k, v in value.items()}
    return value


class CodeTable(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    title: str
    codes: dict[str, str] = Field(min_length=1)  # code as the channel writes it → value

    _codes = field_validator("codes", mode="before")(codes_as_text)


def _read(path: Path) -> object:
    if not path.is_file():
        raise ConfigError(f"{path}: file not found")
    try:
        return yaml_text.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None


def load_category_tree(config_dir: Path, relative: str) -> CategoryTree:
    """The tree at ``config_dir/relative`` (a vocabulary named in a dataset contract)."""
    path = config_dir / relative
    return load_model(CategoryTree, path, _read(path))


def load_code_table(config_dir: Path, relative: str) -> CodeTable:
    path = config_dir / relative
    return load_model(CodeTable, path, _read(path))
