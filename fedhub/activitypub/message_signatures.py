"""RFC 9421 HTTP Message Signatures on requests: sign, pick the signature to check, verify."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qsl, quote

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.types import PrivateKeyTypes, PublicKeyTypes
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from fedhub.activitypub.digests import check_content_digest, content_digest_header
from fedhub.activitypub.http_messages import (
    Rejected,
    RequestParts,
    Verified,
    http_date,
    load_private_key,
    load_public_key,
    normalise_headers,
    url_authority,
    url_parts,
)
from fedhub.activitypub.structured_fields import (
    InnerList,
    Item,
    Parameters,
    StructuredFieldError,
    Token,
    parse_dictionary,
    serialize_inner_list,
    serialize_item,
)

ALGORITHMS = ("rsa-v1_5-sha256", "rsa-pss-sha512", "ecdsa-p256-sha256", "ed25519")
DEFAULT_COMPONENTS = ("@method", "@target-uri", "date")
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


@dataclass(frozen=True)
class MessageSignature:
    """One labelled signature from `Signature-Input` with its bytes from `Signature`."""

    label: str
    covered: InnerList
    key_id: str
    created: int
    signature: bytes

    @property
    def components(self) -> tuple[str, ...]:
        """The covered component names; anything but a string is refused when the base is built."""
        return tuple(item.value for item in self.covered.items if isinstance(item.value, str))

    @property
    def expires(self) -> int | None:
        value = self.covered.params.get("expires")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def alg(self) -> str | None:
        value = self.covered.params.get("alg")
        if isinstance(value, Token):
            value = value.value
        return value.lower() if isinstance(value, str) else None


def select_message_signature(headers: Mapping[str, str]) -> MessageSignature | Rejected:
    """The first label that has covered components, a string keyid, an integer created and bytes.

    Fedify and Mastodon read RFC 9421 whenever `Signature-Input` is present; with several labels
    we check the first usable one, so the key fetched is the key verified.
    """
    fields = normalise_headers(headers)
    try:
        inputs = parse_dictionary(fields.get("signature-input", ""))
        signatures = parse_dictionary(fields.get("signature", ""))
    except StructuredFieldError as error:
        return Rejected(f"malformed Signature-Input or Signature: {error}")
    for label, member in inputs.items():
        value = signatures.get(label)
        if not isinstance(member, InnerList) or not isinstance(value, Item):
            continue
        key_id, created = member.params.get("keyid"), member.params.get("created")
        if not isinstance(value.value, bytes) or not isinstance(key_id, str):
            continue
        if not isinstance(created, int) or isinstance(created, bool):
            continue
        return MessageSignature(label, member, key_id, created, value.value)
    return Rejected("no usable signature: Signature-Input needs keyid and created")


def signature_base(covered: InnerList, request: RequestParts) -> str | Rejected:
    """The RFC 9421 §2.5 signature base for `covered` (one Signature-Input member), or why not."""
    lines: list[str] = []
    seen: set[str] = set()
    for component in covered.items:
        identifier = serialize_item(component)
        if identifier in seen:
            return Rejected(f"component {identifier} covered twice")
        seen.add(identifier)
        value = component_value(component, request)
        if isinstance(value, Rejected):
            return value
        lines.append(f"{identifier}: {value}")
    lines.append(f'"@signature-params": {serialize_inner_list(covered)}')
    return "\n".join(lines)


def component_value(component: Item, request: RequestParts) -> str | Rejected:
    """A derived component (§2.2) or a header field's combined value (§2.1)."""
    name = component.value
    if not isinstance(name, str) or name != name.lower():
        return Rejected(f"bad component identifier {serialize_item(component)}")
    allowed = {"name"} if name == "@query-param" else set()
    if set(component.params) - allowed:
        return Rejected(f"unsupported component parameters on {name}")
    derived = {
        "@method": request.method,
        "@target-uri": f"{request.scheme}://{request.authority}{request.target}",
        "@authority": request.authority.lower(),
        "@scheme": request.scheme.lower(),
        "@request-target": request.target,
        "@path": request.path,
        "@query": "?" + (request.query or ""),
    }
    if name in derived:
        return derived[name]
    if name == "@query-param":
        return _query_param(component, request)
    if name.startswith("@"):
        return Rejected(f"unsupported derived component {name}")
    if name not in request.headers:
        return Rejected(f"covered field {name} missing")
    return request.headers[name]


def _query_param(component: Item, request: RequestParts) -> str | Rejected:
    """§2.2.8: the named parameter's value, decoded and re-encoded; a repeated name is refused."""
    wanted = component.params.get("name")
    if not isinstance(wanted, str):
        return Rejected("@query-param needs a name")
    pairs = parse_qsl(request.query or "", keep_blank_values=True)
    values = [value for key, value in pairs if quote(key, safe="") == wanted]
    if len(values) != 1:
        return Rejected(f"@query-param {wanted!r} missing or repeated")
    return quote(values[0], safe="")


def algorithm_for_key(key: PublicKeyTypes | PrivateKeyTypes) -> str | None:
    """Without `alg`, the key decides; an RSA key means PKCS#1 v1.5 as fediverse keys are."""
    if isinstance(key, rsa.RSAPublicKey | rsa.RSAPrivateKey):
        return "rsa-v1_5-sha256"
    if isinstance(key, ed25519.Ed25519PublicKey | ed25519.Ed25519PrivateKey):
        return "ed25519"
    if isinstance(key, ec.EllipticCurvePublicKey | ec.EllipticCurvePrivateKey):
        return "ecdsa-p256-sha256" if isinstance(key.curve, ec.SECP256R1) else None
    return None


def verify_signature_bytes(
    alg: str, key: PublicKeyTypes, base: bytes, signature: bytes
) -> bool | Rejected:
    """Check `signature` over `base` with `alg`; a key of the wrong type is a rejection."""
    if alg not in ALGORITHMS:
        return Rejected(f"unsupported algorithm {alg}")
    try:
        if alg.startswith("rsa-") and isinstance(key, rsa.RSAPublicKey):
            if alg == "rsa-pss-sha512":
                pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
                key.verify(signature, base, pss, hashes.SHA512())
            else:
                key.verify(signature, base, padding.PKCS1v15(), hashes.SHA256())
        elif alg == "ecdsa-p256-sha256" and isinstance(key, ec.EllipticCurvePublicKey):
            if not isinstance(key.curve, ec.SECP256R1) or len(signature) != 64:
                return False
            der = encode_dss_signature(
                int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
            )
            key.verify(der, base, ec.ECDSA(hashes.SHA256()))
        elif alg == "ed25519" and isinstance(key, ed25519.Ed25519PublicKey):
            key.verify(signature, base)
        else:
            return Rejected(f"algorithm {alg} does not match the key")
    except InvalidSignature:
        return False
    return True


def verify_message_signature(
    request: RequestParts,
    body: bytes,
    public_key_pem: str,
    now: datetime,
    max_skew: timedelta,
) -> Verified | Rejected:
    """Verify the signature `select_message_signature` picks, with the key its keyid named.

    What is required follows Fedify and Mastodon: `created` and `keyid`, coverage of `@method`
    and of the target (`@target-uri`, or `@authority` with `@path` or `@request-target`), and of
    `content-digest` whenever there is a body, which must match it.
    """
    signature = select_message_signature(request.headers)
    if isinstance(signature, Rejected):
        return signature
    components = signature.components
    if "@method" not in components:
        return Rejected("signature does not cover @method")
    if "@target-uri" not in components and not (
        "@authority" in components and {"@path", "@request-target"} & set(components)
    ):
        return Rejected("signature does not cover @target-uri (or @authority and @path)")
    has_body = bool(body) or request.method.upper() in BODY_METHODS
    if has_body and "content-digest" not in components:
        return Rejected("signature does not cover content-digest")
    created = datetime.fromtimestamp(signature.created, UTC)
    if abs(created - now) > max_skew:
        return Rejected("signature created too far from now")
    if signature.expires is not None and now > datetime.fromtimestamp(signature.expires, UTC):
        return Rejected("signature expired")
    if "content-digest" in components:
        problem = check_content_digest(request.headers.get("content-digest", ""), body)
        if problem is not None:
            return Rejected(problem)
    key = load_public_key(public_key_pem)
    if isinstance(key, Rejected):
        return key
    alg = signature.alg or algorithm_for_key(key)
    if alg is None:
        return Rejected("unsupported key type")
    base = signature_base(signature.covered, request)
    if isinstance(base, Rejected):
        return base
    outcome = verify_signature_bytes(alg, key, base.encode("utf-8"), signature.signature)
    if isinstance(outcome, Rejected):
        return outcome
    return (
        Verified(signature.key_id, "rfc9421") if outcome else Rejected("signature does not verify")
    )


def sign_request_rfc9421(
    *,
    method: str,
    url: str,
    body: bytes | None,
    key_id: str,
    private_key_pem: str,
    now: datetime,
    label: str = "sig1",
    components: Sequence[str] | None = None,
    alg: str | None = None,
    include_alg: bool = True,
    expires: datetime | None = None,
    extra_headers: Mapping[str, str] | None = None,
) -> dict[str, str]:
    """The headers to send for an RFC 9421 signed request (Host, Date, Content-Digest, Signature*).

    By default covers `@method @target-uri date` and `content-digest` when there is a
    body. `extra_headers` are sent too and may replace Host or Date (fixed test vectors do);
    they are covered only when named in `components`.
    """
    sent = {"Host": url_authority(url), "Date": http_date(now)}
    if body is not None:
        sent["Content-Digest"] = content_digest_header(body)
    for name, value in (extra_headers or {}).items():
        for existing in [key for key in sent if key.lower() == name.lower()]:
            del sent[existing]
        sent[name] = value
    covered = list(components or DEFAULT_COMPONENTS)
    if components is None and body is not None:
        covered.append("content-digest")
    key = load_private_key(private_key_pem)
    algorithm = alg or algorithm_for_key(key)
    if algorithm is None or algorithm not in ALGORITHMS:
        raise ValueError(f"cannot sign with algorithm {algorithm} and this key")
    params: Parameters = {"created": int(now.timestamp()), "keyid": key_id}
    if include_alg:
        params["alg"] = algorithm
    if expires is not None:
        params["expires"] = int(expires.timestamp())
    signature_input = InnerList(tuple(Item(component) for component in covered), params)
    base = signature_base(signature_input, url_parts(method, url, normalise_headers(sent)))
    if isinstance(base, Rejected):
        raise ValueError(base.reason)
    signed = _sign_bytes(algorithm, key, base.encode("utf-8"))
    sent["Signature-Input"] = f"{label}={serialize_inner_list(signature_input)}"
    sent["Signature"] = f"{label}={serialize_item(Item(signed))}"
    return sent


def _sign_bytes(alg: str, key: PrivateKeyTypes, base: bytes) -> bytes:
    if alg.startswith("rsa-") and isinstance(key, rsa.RSAPrivateKey):
        if alg == "rsa-pss-sha512":
            pss = padding.PSS(mgf=padding.MGF1(hashes.SHA512()), salt_length=64)
            return key.sign(base, pss, hashes.SHA512())
        return key.sign(base, padding.PKCS1v15(), hashes.SHA256())
    if alg == "ecdsa-p256-sha256" and isinstance(key, ec.EllipticCurvePrivateKey):
        r, s = decode_dss_signature(key.sign(base, ec.ECDSA(hashes.SHA256())))
        return r.to_bytes(32, "big") + s.to_bytes(32, "big")
    if alg == "ed25519" and isinstance(key, ed25519.Ed25519PrivateKey):
        return key.sign(base)
    raise ValueError(f"algorithm {alg} does not match the key")
