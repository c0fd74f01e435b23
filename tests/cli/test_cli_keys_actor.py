"""``shuzhi keys … --by``: the acting person as the audit log names them."""

from cli.keys_command import _actor


def test_a_typed_name_or_number_is_audited_as_its_tag() -> None:
    assert _actor("王秀英") == "[PERSON]"
    assert _actor("138-0013-8000") == "[CN_MOBILE]"
    assert _actor("ops_team") == "ops_team"


def test_without_by_the_login_name_acts() -> None:
    assert _actor(None).startswith("operator:")
