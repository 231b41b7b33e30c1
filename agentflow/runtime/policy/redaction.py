"""Masking sensitive text before a model sees it, with patterns compiled once at import.

Each match becomes `[REDACTED:<class>]`. Classes run in a fixed order (credentials first,
phone numbers last) so that a more specific class claims its text before a looser one can.
Some classes confirm a candidate match before masking it (the Luhn checksum for card
numbers, the digit count for phone numbers).
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

REDACTION_CLASSES = ("email", "phone", "credit_card", "api_key", "ip_address", "ssn")

_ORDER = ("api_key", "email", "credit_card", "ssn", "ip_address", "phone")


@dataclass(frozen=True, slots=True)
class Redacted:
    """Masked text and how many matches of each class were masked (only classes with any)."""

    text: str
    counts: dict[str, int]


# ---------------------------------------------------------------- patterns
#
# Most patterns begin with a character class (so the regex engine can skip ahead to a
# possible first character) followed by a two-character lookbehind that checks what came
# before it: `\d(?<![\w-]\d)` is "a digit not preceded by a word character or a dash".

_EMAIL = re.compile(
    r"(?<![\w.%+-])[A-Za-z0-9._%+-]+@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+"
    r"[A-Za-z]{2,63}(?![\w-])"
)

# Candidates; `_phone` then requires 9 to 15 digits. Without a `+` or parentheses, a number
# must use separators and either the NANP 3-3-4 grouping or a leading trunk `0`, so dates,
# years, prices, versions, bare IDs and SSN-shaped numbers do not match.
_PHONE = re.compile(
    r"""
    [+(\d](?<![\w+$€£¥.,/:-].)
    (?:
        (?<=\+) \d{1,3} [ .-]? (?:\(\d{1,4}\)[ .-]?)? \d{1,5} (?:[ .-]?\d{1,5}){1,5}
      | (?<=\() \d{2,5} \) [ .-]? \d{2,5} (?:[ .-]?\d{2,5}){1,3}
      | (?<=\d) (?!\d\d-\d\d-\d{4}(?![\w-]))
        (?: (?<=1) [ .-] \d{3} [ .-] \d{3} [ .-] \d{4}
          | \d\d [ .-] \d{3} [ .-] \d{4}
          | (?<=0) \d{1,4} (?:[ .-]\d{2,8}){1,4}
        )
    )
    (?!\w|[.,:/-]\d)
    """,
    re.VERBOSE,
)

# Candidates; `_card` then requires a valid Luhn checksum. The first digit is 2-6, which
# covers the major networks and skips millisecond timestamps and most IDs.
_CARD = re.compile(r"[2-6](?<![\w+.-].)(?<!\d[ -].)(?:[ -]?\d){12,18}(?![ -]?\d|\w)")

_API_KEYS = (
    (
        re.compile(
            r"-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----[\s\S]*?"
            r"-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----"
        ),
        ("PRIVATE KEY-----",),
    ),
    (re.compile(r"s(?<![\w-]s)k-(?=[A-Za-z0-9_-]*\d)[A-Za-z0-9_-]{16,}"), ("sk-",)),
    (re.compile(r"A(?<!\wA)(?:KIA|SIA)[A-Z0-9]{16}(?!\w)"), ("AKIA", "ASIA")),
    (re.compile(r"g(?<!\wg)(?:h[pousr]_[A-Za-z0-9]{36,}|ithub_pat_\w{22,})(?!\w)"), ("gh",)),
    (re.compile(r"x(?<!\wx)ox[abprs]-[A-Za-z0-9-]{10,}"), ("xox",)),
    (
        re.compile(
            r"(?P<keep>[Bb](?<!\w[Bb])(?i:earer)[ \t]+)"
            r"(?=[A-Za-z0-9._~+/=-]*\d)[A-Za-z0-9._~+/-]{8,}=*"
        ),
        ("earer", "EARER"),
    ),
)

_IPV4 = re.compile(r"\d(?<![\w.]\d)\d{0,2}(?:\.\d{1,3}){3}(?!\w|\.\d)")

# Candidates; `_ipv6` then parses them. The first group may be empty (`::1`).
_IPV6 = re.compile(
    r"""
    [0-9A-Fa-f:](?<![\w:.].)
    (?: (?<=:): | (?<=[0-9A-Fa-f])[0-9A-Fa-f]{0,3}: )
    (?:[0-9A-Fa-f]{0,4}:){0,6}
    (?: \d{1,3}(?:\.\d{1,3}){3} | [0-9A-Fa-f]{1,4} )?
    (?![\w:]|\.\d)
    """,
    re.VERBOSE,
)

_SSN = re.compile(
    r"\d(?<![\w-]\d)\d\d(?<!000)(?<!666)(?<!9\d\d)-\d\d(?<!00)-\d{4}(?<!0000)(?!\w|-\d)"
)


# ---------------------------------------------------------------- confirmations
#
# A mask turns a candidate match into its replacement, or None to leave the text alone.

Mask = Callable[[re.Match[str], str], str | None]


def luhn_valid(digits: str) -> bool:
    """Whether a string of digits passes the Luhn checksum."""
    total = 0
    for i, char in enumerate(reversed(digits)):
        d = ord(char) - 48
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def _digits(text: str) -> str:
    return "".join(c for c in text if c.isdigit())


def _phone(match: re.Match[str], placeholder: str) -> str | None:
    return placeholder if 9 <= len(_digits(match.group())) <= 15 else None


def _card(match: re.Match[str], placeholder: str) -> str | None:
    return placeholder if luhn_valid(_digits(match.group())) else None


def _keep_prefix(match: re.Match[str], placeholder: str) -> str | None:
    return match.group("keep") + placeholder  # "Bearer [REDACTED:api_key]"


def _ipv4(match: re.Match[str], placeholder: str) -> str | None:
    octets = match.group().split(".")
    valid = all(int(o) <= 255 and (o == "0" or o[0] != "0") for o in octets)
    return placeholder if valid else None


def _ipv6(match: re.Match[str], placeholder: str) -> str | None:
    text, tail = match.group(), ""
    if text.endswith(":") and not text.endswith("::"):
        text, tail = text[:-1], ":"  # "fe80::1: the next clause"
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return None
    groups = sum(1 for g in text.split(":") if g)
    return placeholder + tail if text != "::" and (groups >= 2 or text.startswith("::")) else None


@dataclass(frozen=True, slots=True)
class _Part:
    pattern: re.Pattern[str]
    hints: tuple[str, ...] = ()  # the text must contain one of these, else skip the regex
    mask: Mask | None = None  # None: every match is masked whole


_RULES: Mapping[str, tuple[_Part, ...]] = {
    "api_key": tuple(
        _Part(p, hints, _keep_prefix if p.groupindex else None) for p, hints in _API_KEYS
    ),
    "email": (_Part(_EMAIL, ("@",)),),
    "credit_card": (_Part(_CARD, (), _card),),
    "ssn": (_Part(_SSN, ("-",)),),
    "ip_address": (_Part(_IPV6, (":",), _ipv6), _Part(_IPV4, (".",), _ipv4)),
    "phone": (_Part(_PHONE, (), _phone),),
}


# ---------------------------------------------------------------- masking


def _apply(text: str, part: _Part, placeholder: str) -> tuple[str, int]:
    if part.mask is None:
        return part.pattern.subn(placeholder, text)
    count = 0
    mask = part.mask

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        replacement = mask(match, placeholder)
        if replacement is None:
            return match.group()
        count += 1
        return replacement

    return part.pattern.sub(replace, text), count


def _checked(classes: Sequence[str]) -> tuple[str, ...]:
    unknown = [c for c in classes if c not in _RULES]
    if unknown:
        raise ValueError(f"unknown redaction class `{unknown[0]}`")
    return tuple(c for c in _ORDER if c in classes)


def redact(text: str, classes: Sequence[str]) -> Redacted:
    """Mask every match of the given classes in `text`."""
    counts: dict[str, int] = {}
    for name in _checked(classes):
        placeholder = f"[REDACTED:{name}]"
        for part in _RULES[name]:
            if part.hints and not any(h in text for h in part.hints):
                continue
            text, count = _apply(text, part, placeholder)
            if count:
                counts[name] = counts.get(name, 0) + count
    return Redacted(text, {c: counts[c] for c in REDACTION_CLASSES if c in counts})


def redact_value(value: Any, classes: Sequence[str]) -> tuple[Any, dict[str, int]]:
    """Mask every string inside a JSON-like value (dict keys are kept as they are)."""
    ordered = _checked(classes)
    counts: dict[str, int] = {}

    def walk(item: Any) -> Any:
        if isinstance(item, str):
            result = redact(item, ordered)
            for name, n in result.counts.items():
                counts[name] = counts.get(name, 0) + n
            return result.text
        if isinstance(item, Mapping):
            return {key: walk(v) for key, v in item.items()}
        if isinstance(item, list):
            return [walk(v) for v in item]
        if isinstance(item, tuple):
            return tuple(walk(v) for v in item)
        return item

    masked = walk(value) if ordered else value
    return masked, {c: counts[c] for c in REDACTION_CLASSES if c in counts}
