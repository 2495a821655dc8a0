"""RFC 9421 message signatures against the RFC's own keys and examples (Appendix B, §4.3)."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from fedhub.activitypub.http_messages import (
    Rejected,
    RequestParts,
    Verified,
    load_public_key,
    normalise_headers,
)
from fedhub.activitypub.message_signatures import (
    MessageSignature,
    component_value,
    select_message_signature,
    sign_request_rfc9421,
    signature_base,
    verify_signature_bytes,
)
from fedhub.activitypub.signatures import signature_key_id, verify_request
from fedhub.activitypub.structured_fields import InnerList, Item, parse_dictionary

# --- RFC 9421 Appendix B.1: the example keys ---------------------------------------------------

TEST_KEY_RSA_PUBLIC = """-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----
"""

TEST_KEY_RSA_PRIVATE = """-----BEGIN RSA PRIVATE KEY-----
MIIEqAIBAAKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsP
BRrwWEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsd
JKFqMGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75
jfZgkne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKI
lE0PuKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZ
SFlQPSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQABAoIBAG/JZuSWdoVHbi56
vjgCgkjg3lkO1KrO3nrdm6nrgA9P9qaPjxuKoWaKO1cBQlE1pSWp/cKncYgD5WxE
CpAnRUXG2pG4zdkzCYzAh1i+c34L6oZoHsirK6oNcEnHveydfzJL5934egm6p8DW
+m1RQ70yUt4uRc0YSor+q1LGJvGQHReF0WmJBZHrhz5e63Pq7lE0gIwuBqL8SMaA
yRXtK+JGxZpImTq+NHvEWWCu09SCq0r838ceQI55SvzmTkwqtC+8AT2zFviMZkKR
Qo6SPsrqItxZWRty2izawTF0Bf5S2VAx7O+6t3wBsQ1sLptoSgX3QblELY5asI0J
YFz7LJECgYkAsqeUJmqXE3LP8tYoIjMIAKiTm9o6psPlc8CrLI9CH0UbuaA2JCOM
cCNq8SyYbTqgnWlB9ZfcAm/cFpA8tYci9m5vYK8HNxQr+8FS3Qo8N9RJ8d0U5Csw
DzMYfRghAfUGwmlWj5hp1pQzAuhwbOXFtxKHVsMPhz1IBtF9Y8jvgqgYHLbmyiu1
mwJ5AL0pYF0G7x81prlARURwHo0Yf52kEw1dxpx+JXER7hQRWQki5/NsUEtv+8RT
qn2m6qte5DXLyn83b1qRscSdnCCwKtKWUug5q2ZbwVOCJCtmRwmnP131lWRYfj67
B/xJ1ZA6X3GEf4sNReNAtaucPEelgR2nsN0gKQKBiGoqHWbK1qYvBxX2X3kbPDkv
9C+celgZd2PW7aGYLCHq7nPbmfDV0yHcWjOhXZ8jRMjmANVR/eLQ2EfsRLdW69bn
f3ZD7JS1fwGnO3exGmHO3HZG+6AvberKYVYNHahNFEw5TsAcQWDLRpkGybBcxqZo
81YCqlqidwfeO5YtlO7etx1xLyqa2NsCeG9A86UjG+aeNnXEIDk1PDK+EuiThIUa
/2IxKzJKWl1BKr2d4xAfR0ZnEYuRrbeDQYgTImOlfW6/GuYIxKYgEKCFHFqJATAG
IxHrq1PDOiSwXd2GmVVYyEmhZnbcp8CxaEMQoevxAta0ssMK3w6UsDtvUvYvF22m
qQKBiD5GwESzsFPy3Ga0MvZpn3D6EJQLgsnrtUPZx+z2Ep2x0xc5orneB5fGyF1P
WtP+fG5Q6Dpdz3LRfm+KwBCWFKQjg7uTxcjerhBWEYPmEMKYwTJF5PBG9/ddvHLQ
EQeNC8fHGg4UXU8mhHnSBt3EA10qQJfRDs15M38eG2cYwB1PZpDHScDnDA0=
-----END RSA PRIVATE KEY-----
"""

TEST_KEY_RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----
"""

TEST_KEY_RSA_PSS_PRIVATE = """-----BEGIN PRIVATE KEY-----
MIIEvgIBADALBgkqhkiG9w0BAQoEggSqMIIEpgIBAAKCAQEAr4tmm3r20Wd/Pbqv
P1s2+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry5
3mm+oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7Oyr
FAHqgDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUA
AN5WUtzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw
9lq4aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oy
c6XI2wIDAQABAoIBAQCUB8ip+kJiiZVKF8AqfB/aUP0jTAqOQewK1kKJ/iQCXBCq
pbo360gvdt05H5VZ/RDVkEgO2k73VSsbulqezKs8RFs2tEmU+JgTI9MeQJPWcP6X
aKy6LIYs0E2cWgp8GADgoBs8llBq0UhX0KffglIeek3n7Z6Gt4YFge2TAcW2WbN4
XfK7lupFyo6HHyWRiYHMMARQXLJeOSdTn5aMBP0PO4bQyk5ORxTUSeOciPJUFktQ
HkvGbym7KryEfwH8Tks0L7WhzyP60PL3xS9FNOJi9m+zztwYIXGDQuKM2GDsITeD
2mI2oHoPMyAD0wdI7BwSVW18p1h+jgfc4dlexKYRAoGBAOVfuiEiOchGghV5vn5N
RDNscAFnpHj1QgMr6/UG05RTgmcLfVsI1I4bSkbrIuVKviGGf7atlkROALOG/xRx
DLadgBEeNyHL5lz6ihQaFJLVQ0u3U4SB67J0YtVO3R6lXcIjBDHuY8SjYJ7Ci6Z6
vuDcoaEujnlrtUhaMxvSfcUJAoGBAMPsCHXte1uWNAqYad2WdLjPDlKtQJK1diCm
rqmB2g8QE99hDOHItjDBEdpyFBKOIP+NpVtM2KLhRajjcL9Ph8jrID6XUqikQuVi
4J9FV2m42jXMuioTT13idAILanYg8D3idvy/3isDVkON0X3UAVKrgMEne0hJpkPL
FYqgetvDAoGBAKLQ6JZMbSe0pPIJkSamQhsehgL5Rs51iX4m1z7+sYFAJfhvN3Q/
OGIHDRp6HjMUcxHpHw7U+S1TETxePwKLnLKj6hw8jnX2/nZRgWHzgVcY+sPsReRx
NJVf+Cfh6yOtznfX00p+JWOXdSY8glSSHJwRAMog+hFGW1AYdt7w80XBAoGBAImR
NUugqapgaEA8TrFxkJmngXYaAqpA0iYRA7kv3S4QavPBUGtFJHBNULzitydkNtVZ
3w6hgce0h9YThTo/nKc+OZDZbgfN9s7cQ75x0PQCAO4fx2P91Q+mDzDUVTeG30mE
t2m3S0dGe47JiJxifV9P3wNBNrZGSIF3mrORBVNDAoGBAI0QKn2Iv7Sgo4T/XjND
dl2kZTXqGAk8dOhpUiw/HdM3OGWbhHj2NdCzBliOmPyQtAr770GITWvbAI+IRYyF
S7Fnk6ZVVVHsxjtaHy1uJGFlaZzKR4AGNaUTOJMs6NadzCmGPAxNQQOCqoUjn4XR
rOjr9w349JooGXhOxbu8nOxX
-----END PRIVATE KEY-----
"""

TEST_KEY_ECC_P256_PUBLIC = """-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----
"""

TEST_KEY_ECC_P256_PRIVATE = """-----BEGIN EC PRIVATE KEY-----
MHcCAQEEIFKbhfNZfpDsW43+0+JjUr9K+bTeuxopu653+hBaXGA7oAoGCCqGSM49
AwEHoUQDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lfw0EkjqF7xB4FivAxzic30tMM
4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END EC PRIVATE KEY-----
"""

TEST_KEY_ED25519_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----
"""

TEST_KEY_ED25519_PRIVATE = """-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----
"""

# --- RFC 9421 Appendix B.2: the test request -------------------------------------------------

REQUEST_URL = "https://example.com/foo?param=Value&Pet=dog"
REQUEST_TARGET = "/foo?param=Value&Pet=dog"
REQUEST_BODY = b'{"hello": "world"}'
REQUEST_DIGEST = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJw"
    "ew==:"
)
REQUEST_HEADERS = {
    "Host": "example.com",
    "Date": "Tue, 20 Apr 2021 02:07:55 GMT",
    "Content-Type": "application/json",
    "Content-Digest": REQUEST_DIGEST,
    "Content-Length": "18",
}
CREATED = datetime.fromtimestamp(1618884473, UTC)

B21_INPUT = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7it++wg"
    "GxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOGdCbzR72rgFW"
    "hzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuVG5WSb/QEVPnP5"
    "TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssinQ98Xw9Q==:"
)
B21_BASE = (
    '"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
    ';nonce="b3k2pp5k7z-50gnwp.yemd"'
)

B22_INPUT = (
    'sig-b22=("@authority" "content-digest" "@query-param";name="Pet");created=1618884473'
    ';keyid="test-key-rsa-pss";tag="header-example"'
)
B22_SIGNATURE = (
    "sig-b22=:LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKtj"
    "vuJyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/2YyFYXEu4TRJQzRw1rLEuEfY17"
    "SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/lankenQ99PZfB4jY3I5"
    "rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/XaVe4bXTugEjHSw==:"
)
B22_BASE = "\n".join(
    [
        '"@authority": example.com',
        f'"content-digest": {REQUEST_DIGEST}',
        '"@query-param";name="Pet": dog',
        '"@signature-params": ("@authority" "content-digest" "@query-param";name="Pet")'
        ';created=1618884473;keyid="test-key-rsa-pss";tag="header-example"',
    ]
)

B23_INPUT = (
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" "content-digest"'
    ' "content-length");created=1618884473;keyid="test-key-rsa-pss"'
)
B23_SIGNATURE = (
    "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVxFkeGt68"
    "3+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPViV7KsLNmvKiLJ"
    "H1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9BmzhuzF8Eim5f8ui9eH"
    "8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZKEgM4cUA==:"
)
B23_BASE = "\n".join(
    [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@query": ?param=Value&Pet=dog',
        '"@authority": example.com',
        '"content-type": application/json',
        f'"content-digest": {REQUEST_DIGEST}',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type"'
        ' "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"',
    ]
)

B26_COMPONENTS = ["date", "@method", "@path", "@authority", "content-type", "content-length"]
B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKR"
    "Cw==:"
)
B26_BASE = "\n".join(
    [
        '"date": Tue, 20 Apr 2021 02:07:55 GMT',
        '"@method": POST',
        '"@path": /foo',
        '"@authority": example.com',
        '"content-type": application/json',
        '"content-length": 18',
        '"@signature-params": ("date" "@method" "@path" "@authority" "content-type"'
        ' "content-length");created=1618884473;keyid="test-key-ed25519"',
    ]
)

# --- RFC 9421 §4.3: a client's signature and a proxy's beside it ----------------------------

PROXIED_URL = "https://origin.host.internal.example/foo?param=Value&Pet=dog"
PROXIED_HEADERS = {
    "Host": "origin.host.internal.example",
    "Date": "Tue, 20 Apr 2021 02:07:56 GMT",
    "Content-Type": "application/json",
    "Content-Digest": REQUEST_DIGEST,
    "Content-Length": "18",
    "Forwarded": "for=192.0.2.123;host=example.com;proto=https",
}
SIG1_INPUT = (
    'sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length")'
    ';created=1618884475;keyid="test-key-ecc-p256"'
)
SIG1_SIGNATURE = (
    "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXlb//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD3A"
    "==:"
)
PROXY_COMPONENTS = [
    "@method",
    "@authority",
    "@path",
    "content-digest",
    "content-type",
    "content-length",
    "forwarded",
]
PROXY_INPUT = (
    'proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" "content-length"'
    ' "forwarded");created=1618884480;keyid="test-key-rsa";alg="rsa-v1_5-sha256";expires=1618884540'
)
PROXY_SIGNATURE = (
    "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iHgxtRPz"
    "+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasqOWAEObtNKKZd8"
    "tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZdXAsD3LH2TwevU+/PBPv0"
    "B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1w5o0LV/g==:"
)
PROXY_NOW = datetime.fromtimestamp(1618884500, UTC)


def rfc_request(headers: dict[str, str]) -> RequestParts:
    return RequestParts("POST", "https", "example.com", REQUEST_TARGET, normalise_headers(headers))


def rfc_vector(signature_input: str, signature: str) -> tuple[MessageSignature, str]:
    headers = REQUEST_HEADERS | {"Signature-Input": signature_input, "Signature": signature}
    selected = select_message_signature(headers)
    assert isinstance(selected, MessageSignature)
    base = signature_base(selected.covered, rfc_request(headers))
    assert isinstance(base, str)
    return selected, base


def verify(headers: dict[str, str], public_key_pem: str, **changes: object) -> Verified | Rejected:
    arguments: dict[str, object] = {
        "method": "POST",
        "target": REQUEST_TARGET,
        "headers": headers,
        "body": REQUEST_BODY,
        "public_key_pem": public_key_pem,
        "now": CREATED,
    } | changes
    return verify_request(**arguments)  # type: ignore[arg-type]


def rejection(outcome: Verified | Rejected) -> str:
    assert isinstance(outcome, Rejected), outcome
    return outcome.reason


def signed_post(**changes: object) -> dict[str, str]:
    """A request signed with test-key-rsa as fedhub would sign it, changed as a test needs."""
    arguments: dict[str, object] = {
        "method": "POST",
        "url": REQUEST_URL,
        "body": REQUEST_BODY,
        "key_id": "test-key-rsa",
        "private_key_pem": TEST_KEY_RSA_PRIVATE,
        "now": CREATED,
    } | changes
    return sign_request_rfc9421(**arguments)  # type: ignore[arg-type]


def signed_by_hand(signature_input: str, headers: dict[str, str]) -> dict[str, str]:
    """Sign any Signature-Input with test-key-rsa (v1.5), for inputs fedhub never makes."""
    label, member = next(iter(parse_dictionary(signature_input).items()))
    assert isinstance(member, InnerList)
    base = signature_base(member, rfc_request(headers))
    assert isinstance(base, str), base
    key = serialization.load_pem_private_key(TEST_KEY_RSA_PRIVATE.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    signature = key.sign(base.encode(), padding.PKCS1v15(), hashes.SHA256())
    encoded = base64.b64encode(signature).decode()
    return headers | {"Signature-Input": signature_input, "Signature": f"{label}=:{encoded}:"}


# --- the RFC's examples ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("signature_input", "signature", "base"),
    [
        (B21_INPUT, B21_SIGNATURE, B21_BASE),
        (B22_INPUT, B22_SIGNATURE, B22_BASE),
        (B23_INPUT, B23_SIGNATURE, B23_BASE),
    ],
    ids=["B.2.1 minimal", "B.2.2 selective", "B.2.3 full"],
)
def test_rfc_rsa_pss_examples_rebuild_their_base_and_verify(
    signature_input: str, signature: str, base: str
) -> None:
    selected, rebuilt = rfc_vector(signature_input, signature)
    assert rebuilt == base
    key = load_public_key(TEST_KEY_RSA_PSS_PUBLIC)
    assert not isinstance(key, Rejected)
    assert verify_signature_bytes("rsa-pss-sha512", key, base.encode(), selected.signature) is True
    assert (
        verify_signature_bytes("rsa-pss-sha512", key, b"x" + base.encode(), selected.signature)
        is False
    )


def test_rfc_full_coverage_example_is_not_guessed_to_be_pss() -> None:
    """B.2.3 names no alg; an RSA key then means rsa-v1_5-sha256, as in Fedify. No guessing."""
    headers = REQUEST_HEADERS | {"Signature-Input": B23_INPUT, "Signature": B23_SIGNATURE}
    assert rejection(verify(headers, TEST_KEY_RSA_PSS_PUBLIC)) == "signature does not verify"


def test_rfc_ed25519_example_rebuilds_and_verifies() -> None:
    selected, base = rfc_vector(B26_INPUT, B26_SIGNATURE)
    assert base == B26_BASE
    key = load_public_key(TEST_KEY_ED25519_PUBLIC)
    assert not isinstance(key, Rejected)
    assert verify_signature_bytes("ed25519", key, base.encode(), selected.signature) is True


def test_rfc_ed25519_example_is_reproduced_byte_for_byte() -> None:
    headers = sign_request_rfc9421(
        method="POST",
        url=REQUEST_URL,
        body=REQUEST_BODY,
        key_id="test-key-ed25519",
        private_key_pem=TEST_KEY_ED25519_PRIVATE,
        now=CREATED,
        label="sig-b26",
        components=B26_COMPONENTS,
        include_alg=False,
        extra_headers=REQUEST_HEADERS,
    )
    assert headers["Signature-Input"] == B26_INPUT
    assert headers["Signature"] == B26_SIGNATURE


def test_rfc_ed25519_example_lacks_the_content_digest_fedhub_requires() -> None:
    headers = REQUEST_HEADERS | {"Signature-Input": B26_INPUT, "Signature": B26_SIGNATURE}
    assert rejection(verify(headers, TEST_KEY_ED25519_PUBLIC)) == (
        "signature does not cover content-digest"
    )


def test_rfc_client_signature_verifies_for_the_authority_it_was_made_for() -> None:
    """§4.3 sig1 (ecdsa-p256-sha256) was made for example.com, before the proxy."""
    headers = PROXIED_HEADERS | {"Signature-Input": SIG1_INPUT, "Signature": SIG1_SIGNATURE}
    outcome = verify(headers, TEST_KEY_ECC_P256_PUBLIC, now=PROXY_NOW, host="example.com")
    assert outcome == Verified("test-key-ecc-p256", "rfc9421")
    outcome = verify(headers, TEST_KEY_ECC_P256_PUBLIC, now=PROXY_NOW)
    assert rejection(outcome) == "signature does not verify"


def test_rfc_proxy_signature_with_alg_and_expires_verifies() -> None:
    """§4.3 proxy_sig: test-key-rsa, rsa-v1_5-sha256, with expires; the only input label."""
    headers = PROXIED_HEADERS | {
        "Signature-Input": PROXY_INPUT,
        "Signature": f"{SIG1_SIGNATURE}, {PROXY_SIGNATURE}",
    }
    outcome = verify(headers, TEST_KEY_RSA_PUBLIC, now=PROXY_NOW)
    assert outcome == Verified("test-key-rsa", "rfc9421")
    assert signature_key_id(headers) == "test-key-rsa"


def test_rfc_proxy_signature_is_reproduced_byte_for_byte() -> None:
    headers = sign_request_rfc9421(
        method="POST",
        url=PROXIED_URL,
        body=REQUEST_BODY,
        key_id="test-key-rsa",
        private_key_pem=TEST_KEY_RSA_PRIVATE,
        now=datetime.fromtimestamp(1618884480, UTC),
        label="proxy_sig",
        components=PROXY_COMPONENTS,
        alg="rsa-v1_5-sha256",
        expires=datetime.fromtimestamp(1618884540, UTC),
        extra_headers=PROXIED_HEADERS,
    )
    assert headers["Signature-Input"] == PROXY_INPUT
    assert headers["Signature"] == PROXY_SIGNATURE


def test_the_first_usable_label_is_the_one_checked() -> None:
    headers = PROXIED_HEADERS | {
        "Signature-Input": f"{SIG1_INPUT}, {PROXY_INPUT}",
        "Signature": f"{SIG1_SIGNATURE}, {PROXY_SIGNATURE}",
    }
    assert signature_key_id(headers) == "test-key-ecc-p256"
    no_created = SIG1_INPUT.replace(";created=1618884475", "")
    headers["Signature-Input"] = f"{no_created}, {PROXY_INPUT}"
    assert signature_key_id(headers) == "test-key-rsa"


# --- round trips ----------------------------------------------------------------------------


def test_round_trip_post_with_an_rsa_key() -> None:
    headers = signed_post()
    assert headers["Content-Digest"] == "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "date" "content-digest");created=1618884473'
        ';keyid="test-key-rsa";alg="rsa-v1_5-sha256"'
    )
    assert verify(headers, TEST_KEY_RSA_PUBLIC) == Verified("test-key-rsa", "rfc9421")


def test_round_trip_get() -> None:
    headers = signed_post(method="GET", body=None)
    assert "Content-Digest" not in headers
    outcome = verify(headers, TEST_KEY_RSA_PUBLIC, method="GET", body=b"")
    assert outcome == Verified("test-key-rsa", "rfc9421")


@pytest.mark.parametrize(
    ("private_key", "public_key", "alg"),
    [
        (TEST_KEY_RSA_PSS_PRIVATE, TEST_KEY_RSA_PSS_PUBLIC, "rsa-pss-sha512"),
        (TEST_KEY_ECC_P256_PRIVATE, TEST_KEY_ECC_P256_PUBLIC, None),
        (TEST_KEY_ED25519_PRIVATE, TEST_KEY_ED25519_PUBLIC, None),
    ],
    ids=["rsa-pss-sha512", "ecdsa-p256-sha256", "ed25519"],
)
def test_round_trip_with_every_algorithm(
    private_key: str, public_key: str, alg: str | None
) -> None:
    headers = signed_post(private_key_pem=private_key, alg=alg)
    assert verify(headers, public_key) == Verified("test-key-rsa", "rfc9421")
    without_alg = signed_post(private_key_pem=private_key, alg=alg, include_alg=False)
    expected = (
        Verified("test-key-rsa", "rfc9421")
        if alg is None
        else Rejected("signature does not verify")
    )
    assert verify(without_alg, public_key) == expected


def test_header_names_and_alg_are_case_insensitive() -> None:
    shouted = {name.upper(): value for name, value in signed_post().items()}
    assert verify(shouted, TEST_KEY_RSA_PUBLIC) == Verified("test-key-rsa", "rfc9421")
    signature_input = (
        'sig1=("@method" "@target-uri" "content-digest");created=1618884473'
        ';keyid="test-key-rsa";alg="RSA-V1_5-SHA256"'
    )
    headers = signed_by_hand(signature_input, REQUEST_HEADERS)
    assert verify(headers, TEST_KEY_RSA_PUBLIC) == Verified("test-key-rsa", "rfc9421")


def test_authority_and_path_stand_in_for_the_target_uri() -> None:
    signature_input = (
        'sig1=("@method" "@authority" "@request-target" "content-digest")'
        ';created=1618884473;keyid="test-key-rsa"'
    )
    headers = signed_by_hand(signature_input, REQUEST_HEADERS)
    assert verify(headers, TEST_KEY_RSA_PUBLIC) == Verified("test-key-rsa", "rfc9421")


# --- rejections -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("components", "reason"),
    [
        ('"@target-uri" "content-digest"', "signature does not cover @method"),
        (
            '"@method" "content-digest"',
            "signature does not cover @target-uri (or @authority and @path)",
        ),
        (
            '"@method" "@path" "content-digest"',
            "signature does not cover @target-uri (or @authority and @path)",
        ),
        ('"@method" "@target-uri"', "signature does not cover content-digest"),
    ],
)
def test_coverage_is_required(components: str, reason: str) -> None:
    signature_input = f'sig1=({components});created=1618884473;keyid="test-key-rsa"'
    headers = signed_by_hand(signature_input, REQUEST_HEADERS)
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)) == reason


def test_content_digest_mismatch() -> None:
    outcome = verify(signed_post(), TEST_KEY_RSA_PUBLIC, body=b'{"hello": "world!"}')
    assert rejection(outcome) == "Content-Digest mismatch (sha-256)"


def test_content_digest_missing() -> None:
    headers = {k: v for k, v in signed_post().items() if k != "Content-Digest"}
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)) == (
        "Content-Digest offers neither SHA-256 nor SHA-512"
    )


def test_content_digest_malformed() -> None:
    headers = signed_post() | {
        "Content-Digest": "sha-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
    }
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)).startswith("malformed Content-Digest")


@pytest.mark.parametrize("skew", [timedelta(minutes=61), -timedelta(minutes=61)])
def test_created_more_than_an_hour_away(skew: timedelta) -> None:
    outcome = verify(signed_post(), TEST_KEY_RSA_PUBLIC, now=CREATED + skew)
    assert rejection(outcome) == "signature created too far from now"


def test_created_within_the_hour_is_accepted() -> None:
    outcome = verify(signed_post(), TEST_KEY_RSA_PUBLIC, now=CREATED + timedelta(minutes=59))
    assert outcome == Verified("test-key-rsa", "rfc9421")


def test_expired() -> None:
    headers = signed_post(expires=CREATED + timedelta(seconds=60))
    assert verify(headers, TEST_KEY_RSA_PUBLIC) == Verified("test-key-rsa", "rfc9421")
    expired = verify(headers, TEST_KEY_RSA_PUBLIC, now=CREATED + timedelta(seconds=61))
    assert rejection(expired) == "signature expired"


@pytest.mark.parametrize("alg", ["hmac-sha256", "rsa-v1_5-sha1", "ecdsa-p384-sha384"])
def test_unsupported_algorithm(alg: str) -> None:
    signature_input = (
        'sig1=("@method" "@target-uri" "content-digest");created=1618884473'
        f';keyid="test-key-rsa";alg="{alg}"'
    )
    headers = signed_by_hand(signature_input, REQUEST_HEADERS)
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)) == f"unsupported algorithm {alg}"


def test_alg_that_does_not_match_the_key() -> None:
    headers = signed_post(private_key_pem=TEST_KEY_ED25519_PRIVATE)
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)) == (
        "algorithm ed25519 does not match the key"
    )


def test_bad_base64() -> None:
    headers = signed_post()
    headers["Signature"] = headers["Signature"].replace("sig1=:", "sig1=:*")
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)).startswith(
        "malformed Signature-Input or Signature: bad base64"
    )


def test_signature_does_not_verify() -> None:
    headers = signed_post()
    assert rejection(verify(headers, TEST_KEY_RSA_PSS_PUBLIC)) == "signature does not verify"
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC, target="/bar")) == (
        "signature does not verify"
    )
    tampered = headers | {"Date": "Tue, 20 Apr 2021 02:07:56 GMT"}
    assert rejection(verify(tampered, TEST_KEY_RSA_PUBLIC)) == "signature does not verify"


@pytest.mark.parametrize(
    "signature_input",
    [
        'sig1=("@method" "@target-uri" "content-digest");keyid="test-key-rsa"',
        'sig1=("@method" "@target-uri" "content-digest");created=1618884473',
        'sig1=("@method" "@target-uri" "content-digest");created="1618884473";keyid="k"',
        'other=("@method");created=1618884473;keyid="test-key-rsa"',
    ],
)
def test_no_usable_signature(signature_input: str) -> None:
    headers = signed_post() | {"Signature-Input": signature_input}
    reason = "no usable signature: Signature-Input needs keyid and created"
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)) == reason
    assert signature_key_id(headers) == Rejected(reason)


def test_malformed_signature_input() -> None:
    headers = signed_post() | {"Signature-Input": 'sig1=("@method"'}
    assert rejection(verify(headers, TEST_KEY_RSA_PUBLIC)).startswith("malformed Signature-Input")


# --- components -----------------------------------------------------------------------------


def component(text: str, target: str = REQUEST_TARGET) -> str | Rejected:
    member = parse_dictionary(f"c={text}")["c"]
    assert isinstance(member, Item)
    request = RequestParts("GET", "https", "Example.COM", target, {"x-tag": "a, b"})
    return component_value(member, request)


@pytest.mark.parametrize(
    ("text", "target", "value"),
    [
        ('"@method"', REQUEST_TARGET, "GET"),
        ('"@target-uri"', REQUEST_TARGET, "https://Example.COM/foo?param=Value&Pet=dog"),
        ('"@authority"', REQUEST_TARGET, "example.com"),
        ('"@scheme"', REQUEST_TARGET, "https"),
        ('"@request-target"', REQUEST_TARGET, REQUEST_TARGET),
        ('"@path"', REQUEST_TARGET, "/foo"),
        ('"@query"', REQUEST_TARGET, "?param=Value&Pet=dog"),
        ('"@query"', "/foo", "?"),
        ('"@query-param";name="Pet"', REQUEST_TARGET, "dog"),
        ('"@query-param";name="bar"', "/?bar=with+plus+whitespace", "with%20plus%20whitespace"),
        (
            '"@query-param";name="fa%C3%A7ade%22%3A%20"',
            "/?fa%C3%A7ade%22%3A%20=something",
            "something",
        ),
        ('"x-tag"', REQUEST_TARGET, "a, b"),
    ],
)
def test_component_values(text: str, target: str, value: str) -> None:
    assert component(text, target) == value


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ('"@status"', "unsupported derived component @status"),
        ('"x-tag";sf', "unsupported component parameters on x-tag"),
        ('"X-Tag"', 'bad component identifier "X-Tag"'),
        ("x-tag", "bad component identifier x-tag"),
        ('"x-missing"', "covered field x-missing missing"),
        ('"@query-param";name="nope"', "@query-param 'nope' missing or repeated"),
    ],
)
def test_component_refusals(text: str, reason: str) -> None:
    assert component(text) == Rejected(reason)


def test_a_component_covered_twice_is_refused() -> None:
    signature_input = 'sig1=("@method" "@method");created=1618884473;keyid="k"'
    member = parse_dictionary(signature_input)["sig1"]
    assert isinstance(member, InnerList)
    outcome = signature_base(member, rfc_request(REQUEST_HEADERS))
    assert outcome == Rejected('component "@method" covered twice')
