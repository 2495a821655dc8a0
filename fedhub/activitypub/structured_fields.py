"""RFC 9651 Structured Field dictionaries, as Signature-Input, Signature and Content-Digest use them."""

from __future__ import annotations

import base64
import binascii
import string
from dataclasses import dataclass, field
from decimal import ROUND_HALF_EVEN, Decimal


class StructuredFieldError(ValueError):
    """The field is not a valid Structured Field of the expected type."""


@dataclass(frozen=True)
class Token:
    """An sf-token (`sha-256`, `*foo`), kept apart from an sf-string, which serialises quoted."""

    value: str


BareItem = bool | int | Decimal | str | Token | bytes
Parameters = dict[str, BareItem]


@dataclass(frozen=True, eq=False)
class Item:
    value: BareItem
    params: Parameters = field(default_factory=dict)


@dataclass(frozen=True, eq=False)
class InnerList:
    items: tuple[Item, ...]
    params: Parameters = field(default_factory=dict)


Dictionary = dict[str, Item | InnerList]

_LCALPHA = frozenset(string.ascii_lowercase)
_DIGITS = frozenset(string.digits)
_KEY_CHARS = _LCALPHA | frozenset(string.digits + "_-.*")
_TCHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~:/")
_BASE64_CHARS = frozenset(string.ascii_letters + string.digits + "+/=")


class _Parser:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def peek(self) -> str:
        return self.text[self.pos] if self.pos < len(self.text) else ""

    def take(self, expected: str) -> None:
        if self.peek() != expected:
            raise StructuredFieldError(f"expected {expected!r} at {self.pos}")
        self.pos += 1

    def skip(self, chars: str) -> None:
        while self.peek() and self.peek() in chars:
            self.pos += 1

    def dictionary(self) -> Dictionary:
        result: Dictionary = {}
        self.skip(" ")
        while self.peek():
            key = self.key()
            if self.peek() == "=":
                self.pos += 1
                result[key] = self.inner_list() if self.peek() == "(" else self.item()
            else:
                result[key] = Item(True, self.parameters())
            self.skip(" \t")
            if not self.peek():
                return result
            self.take(",")
            self.skip(" \t")
            if not self.peek():
                raise StructuredFieldError("trailing comma")
        return result

    def inner_list(self) -> InnerList:
        self.take("(")
        items: list[Item] = []
        while True:
            self.skip(" ")
            if self.peek() == ")":
                self.pos += 1
                return InnerList(tuple(items), self.parameters())
            items.append(self.item())
            if self.peek() not in (" ", ")"):
                raise StructuredFieldError(f"bad inner list at {self.pos}")

    def item(self) -> Item:
        return Item(self.bare_item(), self.parameters())

    def parameters(self) -> Parameters:
        params: Parameters = {}
        while self.peek() == ";":
            self.pos += 1
            self.skip(" ")
            key = self.key()
            value: BareItem = True
            if self.peek() == "=":
                self.pos += 1
                value = self.bare_item()
            params[key] = value
        return params

    def key(self) -> str:
        start = self.pos
        if self.peek() not in _LCALPHA and self.peek() != "*":
            raise StructuredFieldError(f"bad key at {self.pos}")
        while self.peek() and self.peek() in _KEY_CHARS:
            self.pos += 1
        return self.text[start : self.pos]

    def bare_item(self) -> BareItem:
        char = self.peek()
        if char == "-" or char in _DIGITS:
            return self.number()
        if char == '"':
            return self.string()
        if char == ":":
            return self.byte_sequence()
        if char == "?":
            return self.boolean()
        if char and (char in string.ascii_letters or char == "*"):
            start = self.pos
            while self.peek() and self.peek() in _TCHARS:
                self.pos += 1
            return Token(self.text[start : self.pos])
        raise StructuredFieldError(f"bad item at {self.pos}")

    def number(self) -> int | Decimal:
        start = self.pos
        if self.peek() == "-":
            self.pos += 1
        digits_start = self.pos
        while self.peek() in _DIGITS or self.peek() == ".":
            self.pos += 1
        number = self.text[digits_start : self.pos]
        whole, dot, fraction = number.partition(".")
        if not whole or not whole.isdigit() or "." in fraction:
            raise StructuredFieldError(f"bad number at {start}")
        if not dot:
            if len(whole) > 15:
                raise StructuredFieldError("integer too long")
            return int(self.text[start : self.pos])
        if len(whole) > 12 or not 1 <= len(fraction) <= 3 or not fraction.isdigit():
            raise StructuredFieldError("bad decimal")
        return Decimal(self.text[start : self.pos])

    def string(self) -> str:
        self.take('"')
        chars: list[str] = []
        while True:
            char = self.peek()
            if not char:
                raise StructuredFieldError("unterminated string")
            self.pos += 1
            if char == '"':
                return "".join(chars)
            if char == "\\":
                escaped = self.peek()
                if escaped not in ('"', "\\"):
                    raise StructuredFieldError("bad escape in string")
                self.pos += 1
                chars.append(escaped)
            elif not " " <= char <= "~":
                raise StructuredFieldError("bad character in string")
            else:
                chars.append(char)

    def byte_sequence(self) -> bytes:
        self.take(":")
        end = self.text.find(":", self.pos)
        if end < 0:
            raise StructuredFieldError("unterminated byte sequence")
        encoded = self.text[self.pos : end]
        self.pos = end + 1
        if not set(encoded) <= _BASE64_CHARS:
            raise StructuredFieldError("bad base64 in byte sequence")
        unpadded = encoded.rstrip("=")  # §4.2.7: missing padding SHOULD NOT fail
        try:
            return base64.b64decode(unpadded + "=" * (-len(unpadded) % 4), validate=True)
        except (binascii.Error, ValueError) as error:
            raise StructuredFieldError("bad base64 in byte sequence") from error

    def boolean(self) -> bool:
        self.take("?")
        char = self.peek()
        if not char or char not in "01":
            raise StructuredFieldError("bad boolean")
        self.pos += 1
        return char == "1"


def parse_dictionary(text: str) -> Dictionary:
    """Parse a Dictionary field value; raises StructuredFieldError with the reason.

    Follows the RFC's parsing algorithms (§4.2) and refuses anything else, so a signature base
    is rebuilt from exactly what was parsed. Dates (`@`) and Display Strings (`%`), which no
    signature field uses, are refused.
    """
    if not text.isascii():
        raise StructuredFieldError("non-ASCII field value")
    return _Parser(text).dictionary()


def serialize_bare_item(value: BareItem) -> str:
    if isinstance(value, bool):
        return "?1" if value else "?0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, Decimal):
        whole, _, fraction = f"{value.quantize(Decimal('0.001'), ROUND_HALF_EVEN):f}".partition(".")
        return f"{whole}.{fraction.rstrip('0') or '0'}"
    if isinstance(value, Token):
        return value.value
    if isinstance(value, bytes):
        return ":" + base64.b64encode(value).decode("ascii") + ":"
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def serialize_parameters(params: Parameters) -> str:
    return "".join(
        f";{key}" if value is True else f";{key}={serialize_bare_item(value)}"
        for key, value in params.items()
    )


def serialize_item(item: Item) -> str:
    return serialize_bare_item(item.value) + serialize_parameters(item.params)


def serialize_inner_list(inner: InnerList) -> str:
    items = " ".join(serialize_item(item) for item in inner.items)
    return f"({items}){serialize_parameters(inner.params)}"
