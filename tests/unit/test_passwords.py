import pytest

from mspboard.services.errors import RuleViolation
from mspboard.services.passwords import (
    MAX_LENGTH,
    MIN_LENGTH,
    check_new_password,
    common_passwords,
    is_common,
)
from tests.factories import PASSWORD

pytestmark = pytest.mark.instant_free


def refusal(password: str, email: str | None = None) -> str:
    with pytest.raises(RuleViolation) as refused:
        check_new_password(password, email, field="new_password")
    assert refused.value.field == "new_password"
    return refused.value.message


def test_twelve_characters_are_enough_and_eleven_are_not():
    assert MIN_LENGTH == 12
    check_new_password("tulip-ladder")  # 12
    assert "at least 12" in refusal("tulip-ladde")  # 11


def test_length_counts_characters_not_bytes_or_combining_marks():
    check_new_password("\u00e9" * 12)  # é twelve times, two bytes each
    assert "at least 12" in refusal("e\u0301" * 6)  # é as e + accent: NFKC makes it 6


def test_a_password_of_only_whitespace_is_refused_whatever_its_length():
    assert "only spaces" in refusal(" " * 12)
    assert "only spaces" in refusal(" \t\u3000" * 8)


def test_more_than_the_maximum_is_refused():
    check_new_password("river stone " * (MAX_LENGTH // 12) + "abcdefgh")
    assert f"at most {MAX_LENGTH}" in refusal("x" * (MAX_LENGTH + 1))


def test_common_passwords_are_refused_whatever_their_case():
    assert "common passwords" in refusal("qwerty123456")
    assert "common passwords" in refusal("QWERTY123456")
    assert "common passwords" in refusal(" 1q2w3e4r5t6y ")


def test_the_shipped_list_is_read_without_its_header():
    words = common_passwords()
    assert len(words) > 19000
    assert "password" in words and "123456" in words
    assert not any(word.startswith("# 19,640") for word in words)
    assert is_common("Password")


def test_the_account_email_is_refused_as_password():
    assert "email" in refusal("Rosa.Tech@Example.test", email="rosa.tech@example.test")
    check_new_password("rosa.tech@example.test", email="someone.else@example.test")


def test_the_passwords_tests_and_the_demo_use_meet_the_rules():
    from mspboard.demo import DEMO_PASSWORD

    check_new_password(PASSWORD)
    check_new_password(DEMO_PASSWORD)
