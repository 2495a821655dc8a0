"""The RFC 9651 Dictionary subset that signature headers use: parsed strictly, serialised exactly."""

from __future__ import annotations

from decimal import Decimal

import pytest

from fedhub.activitypub.structured_fields import (
    InnerList,
    Item,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)


def test_signature_input_parses_into_components_and_parameters() -> None:
    parsed = parse_dictionary(
        'sig1=("@method" "@query-param";name="Pet" "content-digest");created=1618884473'
        ';keyid="https://a.example/u#k";alg="ed25519";expires=1618884540, sig2=("@method")'
    )
    assert list(parsed) == ["sig1", "sig2"]
    member = parsed["sig1"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == ["@method", "@query-param", "content-digest"]
    assert member.items[1].params == {"name": "Pet"}
    assert member.params == {
        "created": 1618884473,
        "keyid": "https://a.example/u#k",
        "alg": "ed25519",
        "expires": 1618884540,
    }


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("a=42", 42),
        ("a=-7", -7),
        ("a=1.5", Decimal("1.5")),
        ("a=-0.125", Decimal("-0.125")),
        ('a="say \\"hi\\" \\\\ bye"', 'say "hi" \\ bye'),
        ("a=sha-256", Token("sha-256")),
        ("a=*tok/en:x", Token("*tok/en:x")),
        ("a=:aGVsbG8=:", b"hello"),
        ("a=:aGVsbG8:", b"hello"),
        ("a=?1", True),
        ("a=?0", False),
        ("a", True),
    ],
)
def test_bare_items(text: str, value: object) -> None:
    member = parse_dictionary(text)["a"]
    assert isinstance(member, Item)
    assert member.value == value
    assert type(member.value) is type(value)


def test_whitespace_where_the_rfc_allows_it() -> None:
    parsed = parse_dictionary("  a=1 ,\tb=(  1   2 ) , c;x=?0")
    assert list(parsed) == ["a", "b", "c"]
    member = parsed["b"]
    assert isinstance(member, InnerList)
    assert [item.value for item in member.items] == [1, 2]


def test_a_repeated_key_keeps_its_place_and_takes_the_last_value() -> None:
    parsed = parse_dictionary("a=1, b=2, a=3")
    assert list(parsed) == ["a", "b"]
    member = parsed["a"]
    assert isinstance(member, Item) and member.value == 3


@pytest.mark.parametrize(
    "text",
    [
        "a=1,",
        "A=1",
        "1a=1",
        "a=(1 2",
        "a=(1)(2)",
        "a=(1  2)x",
        'a="unterminated',
        'a="bad \\escape"',
        "a=:not*base64:",
        "a=:unterminated",
        "a=?2",
        "a=1.2345",
        "a=1.",
        "a=-",
        "a=1234567890123456",
        "a=1234567890123.1",
        "a=@1618884473",
        'a=%"display"',
        "a=1;B=2",
        'a="é"',
        "a=a b",
    ],
)
def test_malformed_fields_are_refused(text: str) -> None:
    with pytest.raises(StructuredFieldError):
        parse_dictionary(text)


@pytest.mark.parametrize(
    "text",
    [
        '("@method" "@target-uri" "content-digest");created=1618884473;keyid="k"',
        '("@query-param";name="Pet");created=1;keyid="a \\"quoted\\\\ id";alg="rsa-pss-sha512"',
        "();created=1618884473;nonce=b3k2pp5k7z-50gnwp.yemd;flag;off=?0;weight=0.5",
    ],
)
def test_inner_lists_serialise_back_to_their_canonical_text(text: str) -> None:
    member = parse_dictionary(f"sig={text}")["sig"]
    assert isinstance(member, InnerList)
    assert serialize_inner_list(member) == text


@pytest.mark.parametrize(
    ("item", "text"),
    [
        (Item(Decimal("1.50")), "1.5"),
        (Item(Decimal("2")), "2.0"),
        (Item(Decimal("0.0005")), "0.0"),
        (Item(b"\x01"), ":AQ==:"),
        (Item(Token("sha-256"), {"a": True, "b": False}), "sha-256;a;b=?0"),
        (Item("@method", {"req": True}), '"@method";req'),
    ],
)
def test_items_serialise(item: Item, text: str) -> None:
    assert serialize_item(item) == text
