"""Redaction: each class masks what it should and leaves look-alikes alone."""

from __future__ import annotations

import pytest

from agentflow.compiler import schema as compiler_schema
from agentflow.runtime.policy.redaction import (
    REDACTION_CLASSES,
    Redacted,
    luhn_valid,
    redact,
    redact_value,
)

GITHUB_TOKEN = "ghp_" + "aB3dE6gH9jK2mN5pQ8sT1vW4yZ7bC0eF3hJ6"
PEM = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEowIBAAKCAQEAx3k5b1lq0Vh8\n"
    "q9Zr7T2wXyz==\n"
    "-----END RSA PRIVATE KEY-----"
)

POSITIVE = {
    "email": [
        "john.doe@example.com",
        "first.last+tag@mail.example.co.uk",
        "a_b-c%d@sub-domain.example.org",
    ],
    "phone": [
        "+1 (415) 555-2671",
        "+44 20 7946 0958",
        "+4915123456789",
        "+33 1 23 45 67 89",
        "+44 (0)20 7946 0958",
        "(415) 555-2671",
        "415-555-2671",
        "415.555.2671",
        "1-800-555-1234",
        "020 7946 0958",
        "06 12 34 56 78",
        "030-12345678",
    ],
    "credit_card": [
        "4111 1111 1111 1111",
        "4111-1111-1111-1111",
        "4111111111111111",
        "5500 0000 0000 0004",
        "378282246310005",
        "6011111111111117",
    ],
    "api_key": [
        "sk-abcdefghij0123456789ABCD",
        "sk-ant-api03-abcdEFGH1234567890xyz",
        "sk-proj-AbC123def456GHI789jkl",
        "AKIAIOSFODNN7EXAMPLE",
        "ASIAY34FZKBOKMUTVV7A",
        GITHUB_TOKEN,
        "gho_" + "x1" * 18,
        "ghs_" + "Z9" * 18,
        "xoxb-1234567890-abcdefghij",
        "xoxp-1234-5678-abcdefgh",
        PEM,
    ],
    "ip_address": [
        "192.168.1.10",
        "10.0.0.1",
        "255.255.255.255",
        "1.2.3.4",
        "2001:0db8:85a3:0000:0000:8a2e:0370:7334",
        "2001:db8::1",
        "fe80::1ff:fe23:4567:890a",
        "::1",
        "::ffff:192.0.2.128",
        "2001:db8::",
    ],
    "ssn": ["123-45-6789", "078-05-1120"],
}

NEGATIVE = {
    "email": ["user@localhost", "@handle", "not an email: a@b", "x@y.c"],
    "phone": [
        "2026-11-24",
        "$1,299.00",
        "in 2026",
        "v1.2.3",
        "order 12345",
        "id 1732406400",
        "01.02.2024 12:30",
        "1,299,000,000",
        "192.168.100.200",
        "4111 1111 1111 1111",
        "123-45-6789",
        "+1 555",
    ],
    "credit_card": [
        "4111 1111 1111 1112",  # Luhn fails
        "4111-1111-1111-1110",
        "1234567812345678",
        "1732406400000",  # a millisecond timestamp
        "4111 1111 1111 1111 1111",  # too long: part of something else
        "$1,299.00",
    ],
    "api_key": [
        "sk-learn-is-a-python-library",
        "task-abcdefghijklmnopqrst",
        "sk-short1",
        "AKIA123",
        "ghp_short",
        "the bearer of bad news",
        "Bearer responsibilities",
        "-----BEGIN PUBLIC KEY-----\nMIIB\n-----END PUBLIC KEY-----",
    ],
    "ip_address": [
        "256.1.1.1",
        "1.2.3",
        "v1.2.3",
        "1.2.3.4.5",
        "01.02.03.04",
        "2026-11-24",
        "10:30:00",
        "00:1A:2B:3C:4D:5E",
        "std::vector",
        "x :: Int",
        "add::",
        "$1,299.00",
    ],
    "ssn": [
        "000-12-3456",
        "666-12-3456",
        "900-12-3456",
        "123-00-4567",
        "123-45-0000",
        "123-45-67890",
        "2026-11-24",
        "123456789",
    ],
}


def test_class_names_match_the_compiler() -> None:
    assert REDACTION_CLASSES == compiler_schema.REDACTION_CLASSES


@pytest.mark.parametrize(
    ("cls", "text"), [(cls, text) for cls, texts in POSITIVE.items() for text in texts]
)
def test_positive_alone_and_in_a_sentence(cls: str, text: str) -> None:
    assert redact(text, [cls]) == Redacted(f"[REDACTED:{cls}]", {cls: 1})
    sentence = f"Contact: {text}, thanks."
    result = redact(sentence, [cls])
    assert result.text == f"Contact: [REDACTED:{cls}], thanks."
    assert result.counts == {cls: 1}


@pytest.mark.parametrize(
    ("cls", "text"), [(cls, text) for cls, texts in NEGATIVE.items() for text in texts]
)
def test_negative_is_left_alone(cls: str, text: str) -> None:
    sentence = f"Note {text} here."
    assert redact(sentence, [cls]) == Redacted(sentence, {})


@pytest.mark.parametrize(
    "text",
    ["2026-11-24", "$1,299.00", "v1.2.3", "version 3.11.4", "at 10:30", "order 12345", "in 2026"],
)
def test_no_false_positive_with_every_class(text: str) -> None:
    sentence = f"Shipped {text} as agreed."
    assert redact(sentence, REDACTION_CLASSES).text == sentence


def test_bearer_keeps_the_scheme() -> None:
    header = "Authorization: Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.c2ln_ab-12"
    result = redact(header, ["api_key"])
    assert result.text == "Authorization: Bearer [REDACTED:api_key]"
    assert redact("bearer abcdef123456==", ["api_key"]).text == "bearer [REDACTED:api_key]"


def test_pem_block_is_masked_whole() -> None:
    text = f"key:\n{PEM}\nafter"
    assert redact(text, ["api_key"]).text == "key:\n[REDACTED:api_key]\nafter"


def test_ipv6_followed_by_a_colon_in_prose() -> None:
    assert redact("at fe80::1: then", ["ip_address"]).text == "at [REDACTED:ip_address]: then"
    assert redact("[2001:db8::2]:8080", ["ip_address"]).text == "[[REDACTED:ip_address]]:8080"


def test_only_the_requested_classes() -> None:
    text = "mail a.b@example.com from 10.0.0.1"
    assert redact(text, ["email"]).text == "mail [REDACTED:email] from 10.0.0.1"
    assert redact(text, []).text == text


def test_counts_every_class() -> None:
    text = (
        "Email jane@example.com or bob@example.org, call +1 415 555 2671, "
        "card 4111 1111 1111 1111, key sk-proj-AbC123def456GHI789jkl, "
        "host 192.168.0.1, ssn 123-45-6789."
    )
    result = redact(text, REDACTION_CLASSES)
    assert result.counts == {
        "email": 2,
        "phone": 1,
        "credit_card": 1,
        "api_key": 1,
        "ip_address": 1,
        "ssn": 1,
    }
    assert list(result.counts) == [c for c in REDACTION_CLASSES if c in result.counts]
    for secret in ("jane@", "555", "4111", "sk-proj", "192.168", "6789"):
        assert secret not in result.text


def test_specific_classes_win_over_phone() -> None:
    result = redact("ssn 123-45-6789 card 4111 1111 1111 1111", ["phone", "ssn", "credit_card"])
    assert result.text == "ssn [REDACTED:ssn] card [REDACTED:credit_card]"


def test_unknown_class_is_an_error() -> None:
    with pytest.raises(ValueError, match="unknown redaction class `password`"):
        redact("text", ["password"])


def test_luhn() -> None:
    assert luhn_valid("4111111111111111")
    assert luhn_valid("79927398713")
    assert not luhn_valid("4111111111111112")
    assert not luhn_valid("79927398710")


def test_redact_value_nested() -> None:
    value = {
        "user@example.com": "reach me at user@example.com",
        "items": [
            "card 4111 1111 1111 1111",
            {"note": "ip 10.1.2.3", "count": 3, "ok": True, "none": None},
            ("tuple 123-45-6789",),
        ],
        "score": 1.5,
    }
    masked, counts = redact_value(value, REDACTION_CLASSES)
    assert masked == {
        "user@example.com": "reach me at [REDACTED:email]",
        "items": [
            "card [REDACTED:credit_card]",
            {"note": "ip [REDACTED:ip_address]", "count": 3, "ok": True, "none": None},
            ("tuple [REDACTED:ssn]",),
        ],
        "score": 1.5,
    }
    assert counts == {"email": 1, "credit_card": 1, "ip_address": 1, "ssn": 1}
    assert value["items"][0] == "card 4111 1111 1111 1111"  # the input is not changed


def test_redact_value_scalars_and_nothing_to_do() -> None:
    assert redact_value("a@example.com", ["email"]) == ("[REDACTED:email]", {"email": 1})
    assert redact_value(42, ["email"]) == (42, {})
    assert redact_value({"a": "b"}, []) == ({"a": "b"}, {})


def test_large_text_with_many_matches() -> None:
    chunk = "Contact jane@example.com or +1 415 555 2671 from 10.0.0.1 on 2026-11-24. "
    text = chunk * 1400  # about 100 KB
    result = redact(text, REDACTION_CLASSES)
    assert result.counts == {"email": 1400, "phone": 1400, "ip_address": 1400}
    assert "2026-11-24" in result.text
