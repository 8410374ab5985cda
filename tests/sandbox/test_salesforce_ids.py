"""Salesforce record ids as the sandbox mints and reads them: the case-safe suffix matches real ids
(recorded in reference/salesforce/recorded-nango), 15-character and wrong-case 18-character forms
normalise, anything else is refused."""

from __future__ import annotations

import pytest

from sponsorsync.sandbox.salesforce.ids import id_maker, make_id, normalize, suffix

REAL_IDS = [
    "001dM00003jU9GyQAK",
    "005dM00000aYaE3QAK",
    "003dM00001wBXYDQA4",
    "001dM00003kSQJvQAO",
    "0r8xx5R2yF2gs3VASQ",
]


@pytest.mark.parametrize("real", REAL_IDS)
def test_the_suffix_is_salesforces(real: str) -> None:
    assert suffix(real[:15]) == real[15:]


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("001dM00003jU9GyQAK", "001dM00003jU9GyQAK"),
        ("001dM00003jU9Gy", "001dM00003jU9GyQAK"),
        ("001DM00003JU9GYQAK", "001dM00003jU9GyQAK"),
        ("001dm00003ju9gyqak", "001dM00003jU9GyQAK"),
        ("001dM00003jU9GyZZZ", None),
        ("001dM00003jU9Gy6AK", None),
        ("001dM00003jU9G", None),
        ("not-an-id-at-all!!", None),
    ],
    ids=["18", "15", "upper", "lower", "suffix-of-another-case", "bad-suffix", "short", "junk"],
)
def test_normalize(given: str, expected: str | None) -> None:
    assert normalize(given) == expected


def test_minted_ids_are_18_characters_with_the_key_prefix() -> None:
    fast = id_maker("00T")
    for number in (0, 61, 62, 4_000_000, 62**5 + 17, 900_000_000):
        minted = make_id("00T", number)
        assert fast(number) == minted
        assert (len(minted), minted[:3], normalize(minted)) == (18, "00T", minted)
    assert len({make_id("003", n) for n in range(1000)}) == 1000
