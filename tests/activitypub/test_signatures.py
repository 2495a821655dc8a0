"""draft-cavage signing and verification, and the scheme-choosing front door, on fixed vectors."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa
from multidict import CIMultiDict

from fedhub.activitypub.signatures import (
    Rejected,
    Verified,
    other_scheme,
    sign_request,
    sign_request_as,
    sign_request_rfc9421,
    signature_key_id,
    verify_request,
)

GROUP_PRIVATE_KEY = """-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQCgaQbnBqpfA/q6
iPwEDvm+ecyzRwh18yVcQ1wnJCPkkAQXkdGBXYjWSTJgeWShumRv1GKyd5XpN1Rz
CzZf5kSqumzfTq92UcI2EX1eni9z56QXMRkl5teEq7LP/ykKCUjZ9AszlNZzsgf0
oJEAIRy9o+qrISdX54Ir+2gMWUeAhUVsHw3POsNAhQX4DYmWh/k7O1vuKqSPUSN1
w04GQY20Fl023Shz3Hmu+pb6LkxPbFJ53sk86b6mnFeK0I3vdJCmWpOaXlIzmZmD
m9gNLP332mECEMNOPWkbKAwLwrOekLJtNA+DUlvzn8Zi3BMBj5V29ta3t24nfuVq
pahZIWKjAgMBAAECggEASplNWndhGBrzqXg3K3QDdS+ToPQx3RickVHKM3G9N3g6
TvPDaNQk5PLZeMA7qnLSbqdo1vKCRxkyLuZR/TtLR9K2+wrO0smm9hogIbaS/uYF
C7wLo/K827g1ykExxrcWqDW0V+Kp8NgklwFtLZA4m4D1i2w5rcm+YdHjS4rhk8Sp
ctnPRT5/4y450j41MEeEhaWoQElzRfJ9FiY8YtdZ+3mP1DtH8Rhsjl+hhE0SqtD+
qBK07cTLTc31X+E3kCdp6drcpHEfjrFhX6+V0TczF/E/9YRyE5RGeLFTMgCatNBr
T6mvMtrczhT9st3RXJvwVp3pMSGzid1u0JD+nEjHUQKBgQDe71qsjTDvCa5TyInC
NCvEy3rhAwOlVwZC/BMyuvMNLZN8efUBnu91eW7FASAeEA0ILm7sjXbFG2eDT07o
gEb6c/2kxWFyJ04I9gHcR3tg3EbSXPYVnH17kvRKWZ2iFtLX+HwkPrj5obRCX/Qy
I8iMcBSlFpt3TUwR1Z7iROkphQKBgQC4M6oBJFtC0k/+Q6xeuOtkjk7JDRsKLYsK
VUX7minSqmXSSuH328snD3YVTcjcHj9XysdcEXTys5jspIuuDrXCREOlcWfAHVrm
zpsHeXOOOyOK0zsanm2LjVgpN4wf2Q5esm36t/DKyPnqDLhvozA9TPvUq/QyBaY/
KbdN+OBABwKBgQCrynpvGWYp7aXeflxZwOYxgjOwjSgUExmKKMGKiDGfaA2NEFXS
5+zS875+JT3grLG+KjnkI6bwgQulTkoaNC999D/y5v8OfmdN1HTekF7s5xHULTqc
sLiprzZ8zM4CB+B1+M+BBqx4ATntJBADSzvRrNTb2q32oyQJYjpLVpruGQKBgDYr
c15cm7397Wpf6mv8w7TRqNe1U/NdS1thknAYeR4r4D/Ep8llSMwW3uoK8vvQpV4j
Exe/Rn4tVNaa2Tz5tHgJ7T7VJ+a2e0oPDkZXcCUuvRgRYHtGhf6ZNYkBfeLLyU8N
+AvYVia8jcpHrWGfQwtz/UcgvnKLeMVwdiim/QO3AoGAb0D4hcUbQ81ziyPibDl4
qdcp2Y0568cx+neujc90pm1ADnw93SOndrtyYQk7bcrBUfmCFHIBpaeIL8Qcg5DK
dyH/572OdOM9/o4ipVDwhdx0CoJVTcH5UQFQmDy82v20H0+PILOjNlvILA42XIcA
FuhGAa1BJ8ralF6B2F0xHeI=
-----END PRIVATE KEY-----
"""

GROUP_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAoGkG5waqXwP6uoj8BA75
vnnMs0cIdfMlXENcJyQj5JAEF5HRgV2I1kkyYHlkobpkb9RisneV6TdUcws2X+ZE
qrps306vdlHCNhF9Xp4vc+ekFzEZJebXhKuyz/8pCglI2fQLM5TWc7IH9KCRACEc
vaPqqyEnV+eCK/toDFlHgIVFbB8NzzrDQIUF+A2Jlof5Oztb7iqkj1EjdcNOBkGN
tBZdNt0oc9x5rvqW+i5MT2xSed7JPOm+ppxXitCN73SQplqTml5SM5mZg5vYDSz9
99phAhDDTj1pGygMC8KznpCybTQPg1Jb85/GYtwTAY+VdvbWt7duJ37laqWoWSFi
owIDAQAB
-----END PUBLIC KEY-----
"""

# Another actor's key: a signature made by the group must not verify with it.
STRANGER_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA4BLYTt7kK+YSizAu1xID
bAljq7o/htZuT82+xUyp62Qc3GL6EPq9xKjaqoWnBwzV3EDV3PRBu2/dV5SXVmmg
qI3euggCb7lkXxqZg+KwRcZvYygzMZiQt93WAb2yQHYfbk8eBRmoQvzN4jnZDtjx
xwQkkWr5x7QsoYhxiPzwZsaO7JC2hZ/W4ijAAwmvyFp1+1MP/Gn8l3fsgs8nHtKG
4ogX6kKwLEcSbeYLMKhTMGbOAjgWGO8uLDUqJJKTskzB8NBD3vZpVXJI3ZCPWDfu
FDM/OU23AmTcYIMOaCcJ+GLOshe2teG1vJ0DPmFxn3HJ+iwjVGBvi1J00M1iahUc
BwIDAQAB
-----END PUBLIC KEY-----
"""

GROUP_KEY_ID = "https://fedhub.example/groups/climate#main-key"
NOW = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
INBOX = "https://mastodon.example/users/alice/inbox"
FOLLOW = b'{"type":"Follow"}'

# Made once by sign_request with GROUP_PRIVATE_KEY at NOW; RSASSA-PKCS1-v1_5 is deterministic.
SIGNED_POST = {
    "Host": "mastodon.example",
    "Date": "Sat, 01 Mar 2025 12:00:00 GMT",
    "Digest": "SHA-256=GYwYnH3BiO6aICFt0ThC5bUIJ4byvqdpWtR8m5fNkww=",
    "Signature": (
        f'keyId="{GROUP_KEY_ID}",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest",'
        'signature="hnuR2sFXufKHFmSCLuCsDZWGLwMBpWDJjDqumWOp4zKBqpFrrmyWw5q536ooVjCDwAS7/mqKWne'
        "H/YawnTp6hlPIjQUPWL3v0ydIjlAcWf/H4yYKizL2VcFpnG+s4L++8KwDCPraW5Gu+QFaHqShMtTv86zEU5Kdq"
        "Rlt2dMOIIcNpYb3GpwuqdR0ISvlD3Fb9Fm4BS8Xo+vlNlHpolNYbQqd6vBxLmhjVZej2LxitbCintFXnDcNQK"
        "kg4iwXCN+ycGvavHRlYUU8rWoOGmgF4bRF6AkyyHleCqQAFO5bAcDhvhlqGBW837gDtS1pjiv9fgWhKWvqyQaG"
        'DKITmPHzgw=="'
    ),
}

# draft-cavage-http-signatures-12, Appendix C: its "Test" key and request.
CAVAGE_TEST_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----
"""
CAVAGE_TEST_NOW = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC)
CAVAGE_TEST_BODY = b'{"hello": "world"}'
CAVAGE_TEST_HEADERS = {
    "Host": "example.com",
    "Date": "Sun, 05 Jan 2014 21:31:40 GMT",
    "Content-Type": "application/json",
    "Digest": "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=",
    "Content-Length": "18",
}
C1_DEFAULT = (
    'keyId="Test",algorithm="rsa-sha256",signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ibttBq'
    "tifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwblDHYGEtb"
    'GmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="'
)
C2_BASIC = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+H7P'
    "HHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8VfEdK"
    'FYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="'
)
C3_SIGNATURE = (
    "vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8rgOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52La"
    "EUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8knRmPnYePbF5MOkR0Zkly4zKH7s1dE="
)
C3_COVERED = "(request-target) host date content-type digest content-length"


def c3_all_headers(algorithm: str | None = "rsa-sha256") -> str:
    algorithm_param = f'algorithm="{algorithm}",' if algorithm is not None else ""
    return f'keyId="Test",{algorithm_param}headers="{C3_COVERED}",signature="{C3_SIGNATURE}"'


def verify_cavage_test(signature: str, **changes: object) -> Verified | Rejected:
    arguments: dict[str, object] = {
        "method": "POST",
        "target": "/foo?param=value&pet=dog",
        "headers": {**CAVAGE_TEST_HEADERS, "Signature": signature},
        "body": CAVAGE_TEST_BODY,
        "public_key_pem": CAVAGE_TEST_PUBLIC_KEY,
        "now": CAVAGE_TEST_NOW,
    } | changes
    return verify_request(**arguments)  # type: ignore[arg-type]


def verify_group_post(headers: dict[str, str], **changes: object) -> Verified | Rejected:
    arguments: dict[str, object] = {
        "method": "POST",
        "target": "/users/alice/inbox",
        "headers": headers,
        "body": FOLLOW,
        "public_key_pem": GROUP_PUBLIC_KEY,
        "now": NOW,
    } | changes
    return verify_request(**arguments)  # type: ignore[arg-type]


def crafted(lines: list[tuple[str, str]], params: str = 'algorithm="rsa-sha256"') -> str:
    """A cavage Signature over exactly `lines`, to build requests sign_request never makes."""
    key = serialization.load_pem_private_key(GROUP_PRIVATE_KEY.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signing_string = "\n".join(f"{name}: {value}" for name, value in lines)
    signature = key.sign(signing_string.encode(), padding.PKCS1v15(), hashes.SHA256())
    covered = " ".join(name for name, _ in lines)
    encoded = base64.b64encode(signature).decode()
    return f'keyId="{GROUP_KEY_ID}",{params},headers="{covered}",signature="{encoded}"'


def rejection(outcome: Verified | Rejected) -> str:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


# --- signing ------------------------------------------------------------------------------


def test_sign_request_post_is_the_fixed_vector() -> None:
    headers = sign_request(
        method="POST",
        url=INBOX,
        body=FOLLOW,
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert headers == SIGNED_POST


def test_signed_post_covers_what_mastodon_covers() -> None:
    """Checked with the key directly, so the vector does not only agree with our own verifier."""
    signing_string = (
        "(request-target): post /users/alice/inbox\n"
        "host: mastodon.example\n"
        "date: Sat, 01 Mar 2025 12:00:00 GMT\n"
        "digest: SHA-256=GYwYnH3BiO6aICFt0ThC5bUIJ4byvqdpWtR8m5fNkww="
    )
    encoded = SIGNED_POST["Signature"].split('signature="')[1].rstrip('"')
    key = serialization.load_pem_public_key(GROUP_PUBLIC_KEY.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    key.verify(
        base64.b64decode(encoded), signing_string.encode(), padding.PKCS1v15(), hashes.SHA256()
    )


def test_sign_request_get_has_no_digest_and_keeps_the_query() -> None:
    headers = sign_request(
        method="GET",
        url="https://mastodon.example/users/alice/outbox?page=2",
        body=None,
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert set(headers) == {"Host", "Date", "Signature"}
    assert 'headers="(request-target) host date"' in headers["Signature"]
    outcome = verify_request(
        method="GET",
        target="/users/alice/outbox?page=2",
        headers=headers,
        body=b"",
        public_key_pem=GROUP_PUBLIC_KEY,
        now=NOW,
    )
    assert outcome == Verified(GROUP_KEY_ID, "cavage")


@pytest.mark.parametrize(
    ("url", "host"),
    [
        ("https://Social.Example:443/inbox", "social.example"),
        ("http://social.example:8080/inbox", "social.example:8080"),
        ("https://[2001:db8::1]:8443/inbox", "[2001:db8::1]:8443"),
        ("https://bücher.example/inbox", "xn--bcher-kva.example"),
    ],
)
def test_host_is_the_authority_as_sent(url: str, host: str) -> None:
    headers = sign_request(
        method="POST",
        url=url,
        body=b"{}",
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert headers["Host"] == host


def test_extra_headers_are_sent_and_covered() -> None:
    headers = sign_request(
        method="POST",
        url=INBOX,
        body=FOLLOW,
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
        extra_headers={"Content-Type": "application/activity+json"},
    )
    assert 'headers="(request-target) host date digest content-type"' in headers["Signature"]
    assert verify_group_post(headers) == Verified(GROUP_KEY_ID, "cavage")
    tampered = headers | {"Content-Type": "text/plain"}
    assert rejection(verify_group_post(tampered)) == "signature does not verify"


def test_signing_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        sign_request(
            method="GET",
            url=INBOX,
            body=None,
            key_id=GROUP_KEY_ID,
            private_key_pem=GROUP_PRIVATE_KEY,
            now=datetime(2025, 3, 1, 12, 0),
        )


def test_sign_request_as_cavage_is_sign_request() -> None:
    signed = sign_request_as(
        "cavage",
        method="POST",
        url=INBOX,
        body=FOLLOW,
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert signed == SIGNED_POST


def test_sign_request_as_rfc9421_covers_what_mastodon_requires() -> None:
    """`@method`, `@target-uri` and `content-digest` covered; `created` and `keyid` given."""
    signed = sign_request_as(
        "rfc9421",
        method="POST",
        url=INBOX,
        body=FOLLOW,
        key_id=GROUP_KEY_ID,
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert "Digest" not in signed and signed["Content-Digest"].startswith("sha-256=:")
    assert signed["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "date" "content-digest");'
        f'created={int(NOW.timestamp())};keyid="{GROUP_KEY_ID}";alg="rsa-v1_5-sha256"'
    )
    assert verify_group_post(signed) == Verified(GROUP_KEY_ID, "rfc9421")
    assert other_scheme("rfc9421") == "cavage" and other_scheme("cavage") == "rfc9421"


# --- verifying: what is accepted ------------------------------------------------------------


def test_round_trip_post() -> None:
    assert verify_group_post(SIGNED_POST) == Verified(GROUP_KEY_ID, "cavage")


def test_draft_cavage_all_headers_vector_verifies() -> None:
    assert verify_cavage_test(c3_all_headers()) == Verified("Test", "cavage")


@pytest.mark.parametrize("algorithm", ["rsa-sha256", "RSA-SHA256", "hs2019", "HS2019", None])
def test_algorithm_names_are_case_insensitive_and_optional(algorithm: str | None) -> None:
    """The algorithm is not in the signing string; hs2019 with an RSA key is PKCS#1 v1.5."""
    assert verify_cavage_test(c3_all_headers(algorithm)) == Verified("Test", "cavage")


def test_header_names_are_case_insensitive() -> None:
    shouted = {name.upper(): value for name, value in SIGNED_POST.items()}
    assert verify_group_post(shouted) == Verified(GROUP_KEY_ID, "cavage")
    lowered = {name.lower(): value for name, value in SIGNED_POST.items()}
    assert verify_group_post(lowered) == Verified(GROUP_KEY_ID, "cavage")


def test_a_multidict_of_received_headers_is_accepted() -> None:
    received = CIMultiDict(SIGNED_POST)
    received.add("Accept", "application/activity+json")
    assert verify_group_post(received) == Verified(GROUP_KEY_ID, "cavage")  # type: ignore[arg-type]


def test_covered_header_names_are_read_case_insensitively() -> None:
    signature = SIGNED_POST["Signature"].replace(
        "(request-target) host date digest", "(Request-Target) Host Date DIGEST"
    )
    assert verify_group_post(SIGNED_POST | {"Signature": signature}) == Verified(
        GROUP_KEY_ID, "cavage"
    )


def test_repeated_header_values_are_joined_as_the_drafts_say() -> None:
    received = CIMultiDict(SIGNED_POST)
    received.add("X-Tag", "one")
    received.add("x-tag", "two")
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("host", "mastodon.example"),
        ("date", SIGNED_POST["Date"]),
        ("digest", SIGNED_POST["Digest"]),
        ("x-tag", "one, two"),
    ]
    received["Signature"] = crafted(lines)
    assert verify_group_post(received) == Verified(GROUP_KEY_ID, "cavage")  # type: ignore[arg-type]


def test_a_signature_without_the_query_is_accepted_as_mastodon_does() -> None:
    """Mastodon before 4.2 signed the path alone; Mastodon still accepts that."""
    lines = [
        ("(request-target)", "get /users/alice/outbox"),
        ("host", "mastodon.example"),
        ("date", SIGNED_POST["Date"]),
    ]
    outcome = verify_request(
        method="GET",
        target="/users/alice/outbox?page=2",
        headers={
            "Host": "mastodon.example",
            "Date": SIGNED_POST["Date"],
            "Signature": crafted(lines),
        },
        body=b"",
        public_key_pem=GROUP_PUBLIC_KEY,
        now=NOW,
    )
    assert outcome == Verified(GROUP_KEY_ID, "cavage")


def test_created_stands_in_for_date_with_hs2019() -> None:
    created = int(NOW.timestamp()) - 30
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("(created)", str(created)),
        ("(expires)", str(created + 300)),
        ("host", "mastodon.example"),
        ("digest", SIGNED_POST["Digest"]),
    ]
    params = f'algorithm="hs2019",created={created},expires={created + 300}'
    headers = {key: SIGNED_POST[key] for key in ("Host", "Digest")}
    headers["Signature"] = crafted(lines, params)
    assert verify_group_post(headers) == Verified(GROUP_KEY_ID, "cavage")


def test_cavage_covers_the_host_header_as_sent() -> None:
    """Mastodon signs its Host header without the port; the header, not our authority, counts."""
    assert verify_group_post(SIGNED_POST, host="mastodon.example:8443") == Verified(
        GROUP_KEY_ID, "cavage"
    )
    missing = {key: value for key, value in SIGNED_POST.items() if key != "Host"}
    assert verify_group_post(missing, host="mastodon.example") == Verified(GROUP_KEY_ID, "cavage")
    assert rejection(verify_group_post(missing)) == "signature does not verify"


def test_dates_within_the_hour_are_accepted() -> None:
    for skew in (timedelta(minutes=59), -timedelta(minutes=59)):
        assert verify_group_post(SIGNED_POST, now=NOW + skew) == Verified(GROUP_KEY_ID, "cavage")


# --- verifying: what is rejected -------------------------------------------------------------


def test_unsigned() -> None:
    unsigned = {key: value for key, value in SIGNED_POST.items() if key != "Signature"}
    assert rejection(verify_group_post(unsigned)) == "unsigned"
    assert signature_key_id(unsigned) == Rejected("unsigned")


def test_post_not_covering_digest_the_draft_basic_vector() -> None:
    assert rejection(verify_cavage_test(C2_BASIC)) == "signature does not cover digest"


def test_default_coverage_of_date_alone_the_draft_default_vector() -> None:
    assert rejection(verify_cavage_test(C1_DEFAULT)) == "signature does not cover (request-target)"


@pytest.mark.parametrize(
    ("left_out", "reason"),
    [
        ("host", "signature does not cover host"),
        ("date", "signature does not cover date"),
        ("digest", "signature does not cover digest"),
        ("(request-target)", "signature does not cover (request-target)"),
    ],
)
def test_post_must_cover_target_host_date_and_digest(left_out: str, reason: str) -> None:
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("host", "mastodon.example"),
        ("date", SIGNED_POST["Date"]),
        ("digest", SIGNED_POST["Digest"]),
    ]
    signature = crafted([line for line in lines if line[0] != left_out])
    assert rejection(verify_group_post(SIGNED_POST | {"Signature": signature})) == reason


@pytest.mark.parametrize(
    ("left_out", "reason"),
    [
        ("host", "signature does not cover host"),
        ("date", "signature does not cover date"),
        ("(request-target)", "signature does not cover (request-target)"),
    ],
)
def test_get_must_cover_target_host_and_date(left_out: str, reason: str) -> None:
    lines = [
        ("(request-target)", "get /users/alice"),
        ("host", "mastodon.example"),
        ("date", SIGNED_POST["Date"]),
    ]
    headers = {"Host": "mastodon.example", "Date": SIGNED_POST["Date"]}
    headers["Signature"] = crafted([line for line in lines if line[0] != left_out])
    outcome = verify_request(
        method="GET",
        target="/users/alice",
        headers=headers,
        body=b"",
        public_key_pem=GROUP_PUBLIC_KEY,
        now=NOW,
    )
    assert rejection(outcome) == reason


def test_digest_mismatch() -> None:
    outcome = verify_group_post(SIGNED_POST, body=b'{"type":"Block"}')
    assert rejection(outcome) == "Digest mismatch (sha-256)"


def test_digest_header_missing() -> None:
    headers = {key: value for key, value in SIGNED_POST.items() if key != "Digest"}
    assert rejection(verify_group_post(headers)) == "Digest header missing"


def test_digest_with_no_algorithm_we_accept() -> None:
    outcome = verify_group_post(SIGNED_POST | {"Digest": "MD5=Sd/dVLAcvNLSq16eXua5uQ=="})
    assert rejection(outcome) == "Digest offers neither SHA-256 nor SHA-512"


@pytest.mark.parametrize("skew", [timedelta(minutes=61), -timedelta(minutes=61), timedelta(days=3)])
def test_date_more_than_an_hour_away(skew: timedelta) -> None:
    assert rejection(verify_group_post(SIGNED_POST, now=NOW + skew)) == "Date too far from now"


def test_unreadable_date() -> None:
    outcome = verify_group_post(SIGNED_POST | {"Date": "yesterday"})
    assert rejection(outcome) == "missing or unreadable Date"


def test_created_more_than_an_hour_away() -> None:
    created = int(NOW.timestamp()) - 2 * 3600
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("(created)", str(created)),
        ("host", "mastodon.example"),
        ("digest", SIGNED_POST["Digest"]),
    ]
    headers = SIGNED_POST | {"Signature": crafted(lines, f'algorithm="hs2019",created={created}')}
    assert rejection(verify_group_post(headers)) == "signature created too far from now"


def test_expired() -> None:
    expires = int(NOW.timestamp()) - 2 * 3600
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("host", "mastodon.example"),
        ("date", SIGNED_POST["Date"]),
        ("digest", SIGNED_POST["Digest"]),
        ("(expires)", str(expires)),
    ]
    headers = SIGNED_POST | {"Signature": crafted(lines, f'algorithm="hs2019",expires={expires}')}
    assert rejection(verify_group_post(headers)) == "signature expired"


def test_created_pseudo_header_needs_hs2019() -> None:
    created = int(NOW.timestamp())
    lines = [
        ("(request-target)", "post /users/alice/inbox"),
        ("(created)", str(created)),
        ("host", "mastodon.example"),
        ("digest", SIGNED_POST["Digest"]),
    ]
    headers = SIGNED_POST | {
        "Signature": crafted(lines, f'algorithm="rsa-sha256",created={created}')
    }
    assert rejection(verify_group_post(headers)) == "(created) is only allowed with hs2019"


@pytest.mark.parametrize("algorithm", ["rsa-sha512", "hmac-sha256", "ed25519", "ecdsa-sha256"])
def test_unsupported_algorithm(algorithm: str) -> None:
    signature = SIGNED_POST["Signature"].replace("rsa-sha256", algorithm)
    outcome = verify_group_post(SIGNED_POST | {"Signature": signature})
    assert rejection(outcome) == f"unsupported algorithm {algorithm}"


def test_bad_base64() -> None:
    signature = SIGNED_POST["Signature"].replace('signature="hnuR', 'signature="hn*R')
    outcome = verify_group_post(SIGNED_POST | {"Signature": signature})
    assert rejection(outcome) == "bad base64 in signature"


def test_signature_does_not_verify_with_another_key() -> None:
    outcome = verify_group_post(SIGNED_POST, public_key_pem=STRANGER_PUBLIC_KEY)
    assert rejection(outcome) == "signature does not verify"


@pytest.mark.parametrize(
    ("header_changes", "changes"),
    [
        ({}, {"target": "/users/bob/inbox"}),
        ({}, {"method": "PUT"}),
        ({"Host": "other.example"}, {}),
    ],
)
def test_signature_does_not_verify_for_another_request(
    header_changes: dict[str, str], changes: dict[str, object]
) -> None:
    outcome = verify_group_post(SIGNED_POST | header_changes, **changes)
    assert rejection(outcome) == "signature does not verify"


def test_an_ed25519_key_cannot_check_a_cavage_signature() -> None:
    public_pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )
    outcome = verify_group_post(SIGNED_POST, public_key_pem=public_pem)
    assert rejection(outcome) == "algorithm rsa-sha256 needs an RSA key"


def test_unreadable_public_key() -> None:
    outcome = verify_group_post(SIGNED_POST, public_key_pem="not a key")
    assert rejection(outcome) == "unreadable public key"


@pytest.mark.parametrize(
    "signature",
    [
        'keyId="a",keyId="b",signature="AAAA"',
        'keyId="a" signature="AAAA"',
        "keyId=a,signature=AAAA",
    ],
)
def test_malformed_signature_header(signature: str) -> None:
    outcome = verify_group_post(SIGNED_POST | {"Signature": signature})
    assert rejection(outcome) == "malformed Signature header"
    assert signature_key_id({"Signature": signature}) == Rejected("malformed Signature header")


def test_signature_without_key_id() -> None:
    signature = SIGNED_POST["Signature"].replace(f'keyId="{GROUP_KEY_ID}",', "")
    outcome = verify_group_post(SIGNED_POST | {"Signature": signature})
    assert rejection(outcome) == "Signature lacks keyId or signature"


# --- which key, which scheme ---------------------------------------------------------------


def test_signature_key_id_reads_cavage_in_any_case() -> None:
    assert signature_key_id(SIGNED_POST) == GROUP_KEY_ID
    assert signature_key_id({"signature": SIGNED_POST["Signature"]}) == GROUP_KEY_ID
    lowered = SIGNED_POST["Signature"].replace("keyId=", "keyid=")
    assert signature_key_id({"SIGNATURE": lowered}) == GROUP_KEY_ID


def test_signature_input_means_rfc9421_as_fedify_and_mastodon_decide() -> None:
    headers = sign_request_rfc9421(
        method="POST",
        url=INBOX,
        body=FOLLOW,
        key_id="https://fedhub.example/groups/climate#rfc9421",
        private_key_pem=GROUP_PRIVATE_KEY,
        now=NOW,
    )
    assert signature_key_id(headers) == "https://fedhub.example/groups/climate#rfc9421"
    assert verify_group_post(headers) == Verified(
        "https://fedhub.example/groups/climate#rfc9421", "rfc9421"
    )


def test_verifying_needs_an_aware_time() -> None:
    with pytest.raises(ValueError):
        verify_group_post(SIGNED_POST, now=datetime(2025, 3, 1, 12, 0))


# --- captured from Fedify 1.10.12 (signRequest), a peer fedhub did not write ---------------------

FEDIFY_PUBLIC_KEY = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEApfmJ6uFJX80wvdaeY6+K
NMYRWDVOCIOHjXpMwIPrjXT5Phi/8jPagTNsHPI30GofAlpV33TARO4ZwX4ASicu
cWQbsfVE4+qg0wGjMJoeXnATEV3/poFGZGCX1jn//7HFdXrOeJlv900YthnLGwmW
F6mSeYDIMrI7xNK3DtGNbivuEXiBXmsAefNckiBT5sqwp6wPTSVXenu3wRpcshrG
IjG5m3MDVJd2fxPtF+t0JUiWmJfWUBKPp3c35O+kdMcH1hFOGO7drH1p2LTIVnvT
G5jnVltZa5tfa92jmZmzzhkua718cEur6E2Ya5Zyl19EkfjxwUyId4TAAR+Xmn70
YwIDAQAB
-----END PUBLIC KEY-----
"""
FEDIFY_KEY_ID = "https://peer.example/users/alice#main-key"
FEDIFY_NOW = datetime(2026, 11, 24, 7, 17, 9, tzinfo=UTC)
FEDIFY_RFC9421_POST = {
    "content-digest": "sha-256=:GYwYnH3BiO6aICFt0ThC5bUIJ4byvqdpWtR8m5fNkww=:",
    "content-type": "application/activity+json",
    "date": "Tue, 24 Nov 2026 07:17:09 GMT",
    "host": "fedhub.example",
    "signature": (
        "sig1=:KCTu+hdWRkl0rc+FmQQaP0XjotoU9GP349tLC/17e2SJ2/CeoUOB/SdlMc6RgZ57ETVlAhfCdQ/zOpra2UsaOC"
        "sZB4b4akf7XRWxyrpzGoskmp/7VWQcagQGAQ0ttB9zvHDPYruXlBZrhr89glLusIUGzduCTmeC0sDHLQbpf4exrpOKTL"
        "Odvgrc3ugTmAZCNBY+curS9xcM67aXv9CGI3qEJBRqkRnI/7+aV+jcSy4zLsq9cvdSKW6664zhygulCc5fGdINGFiHil"
        "ct7/00dDfcJ0I2m5Fo/E1bEakARJ/buYv5kQgdr8r1CQyj3eghn097avGgmdiEF4h37SgNbw==:"
    ),
    "signature-input": (
        'sig1=("@method" "@target-uri" "@authority" "host" "date" "content-digest")'
        ';alg="rsa-v1_5-sha256";keyid="https://peer.example/users/alice#main-key";created=1795504629'
    ),
}
FEDIFY_RFC9421_GET = {
    "date": "Tue, 24 Nov 2026 07:17:09 GMT",
    "host": "fedhub.example:8443",
    "signature": (
        "sig1=:nSqafnx4YyAb9/1MwKFHRvs7NeY3GlwjezwELToQDLT0mcvEtI9Z5EtPmsCp1/z/GCESwiSnq1uK1xE4Awh4XW"
        "rxsm53oHfh6LiR16K/Ljmmo5/3d+OCuZp0oEQyBzyTq8lB9F3Bt39qCucXvdHMg+Czfg0WBBoZGKriczvefIzEMMb2SJ"
        "+uj65FC4h6YzF0Fso/4IgqFHO/80ERjcJBH4fIMkcJJ6u27vr2TLJikODpsTbyMKXYp3Naff7TmmrP1uMiRDxtigq/fU"
        "Tdh6KWzHwNiJliBFOwYO7TWKsgusZFrH+Ow6/d/0bJnHa6Fgpc9ix0UjX4JBhBU2vcGY483Q==:"
    ),
    "signature-input": (
        'sig1=("@method" "@target-uri" "@authority" "host" "date")'
        ';alg="rsa-v1_5-sha256";keyid="https://peer.example/users/alice#main-key";created=1795504629'
    ),
}
# Fedify's draft-cavage (request-target) leaves out the query, as Mastodon before 4.2 did.
FEDIFY_CAVAGE_POST = {
    "content-type": "application/activity+json",
    "date": "Tue, 24 Nov 2026 07:17:09 GMT",
    "digest": "SHA-256=fQLcyuiC5b53id2wfhThCI+LFjFoCGXZfRwgMiR7Fp0=",
    "host": "fedhub.example",
    "signature": (
        'keyId="https://peer.example/users/alice#main-key",algorithm="rsa-sha256",'
        'headers="(request-target) content-type date digest host",signature="'
        "CyKLPW1ShpiksqUwMIdRVc6Vrydo4YV2rA5FUGl2KpurTfN1t63MLmtPqG3X53GSdiHFB2aQgLnGkfiQvamVrNjht0QB"
        "B2j5dezcVPXIGHJXNEDF4jrlqe9hYRxFqxcp3f35Ndqe0Nq4gDdAoF/MFMIx8ivoWMUoS7pNFwrD9Y950gETURWhabaX"
        "On2MQ/OBUQBb7JQEXDC1XvhweRR6X7SYecsRAUI9BSXaMBZKSwumwkfcQHgIkujhcRGgW9Q9kWIW73ZSQCMN2eU63Fse"
        'jdnzaFGU2gnWkjSBfvVygFOHGugVHSO7fUa04lkS6DxZUUhtekl4JW8ufj6FLjzzYg=="'
    ),
}


@pytest.mark.parametrize(
    ("method", "target", "headers", "body", "scheme"),
    [
        ("POST", "/groups/kyiv/inbox", FEDIFY_RFC9421_POST, b'{"type":"Follow"}', "rfc9421"),
        ("GET", "/groups/kyiv/outbox?page=2", FEDIFY_RFC9421_GET, b"", "rfc9421"),
        ("POST", "/inbox?x=1", FEDIFY_CAVAGE_POST, b'{"type":"Like"}', "cavage"),
    ],
    ids=["rfc9421 POST", "rfc9421 GET", "cavage POST"],
)
def test_requests_signed_by_fedify_verify(
    method: str, target: str, headers: dict[str, str], body: bytes, scheme: str
) -> None:
    assert signature_key_id(headers) == FEDIFY_KEY_ID
    outcome = verify_request(
        method=method,
        target=target,
        headers=headers,
        body=body,
        public_key_pem=FEDIFY_PUBLIC_KEY,
        now=FEDIFY_NOW,
    )
    assert outcome == Verified(FEDIFY_KEY_ID, scheme)  # type: ignore[arg-type]
    tampered = verify_request(
        method=method,
        target="/elsewhere" + target,
        headers=headers,
        body=body,
        public_key_pem=FEDIFY_PUBLIC_KEY,
        now=FEDIFY_NOW,
    )
    assert tampered == Rejected("signature does not verify")
