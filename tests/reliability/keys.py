"""Private key files a Salesforce JWT login cannot use, generated once per test session: one
encrypted with a passphrase, one elliptic-curve key, one RSA key cut short."""

from __future__ import annotations

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa


def _key_files() -> dict[str, bytes]:
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pkcs8 = serialization.PrivateFormat.PKCS8
    pem = serialization.Encoding.PEM
    whole = rsa_key.private_bytes(pem, pkcs8, serialization.NoEncryption())
    return {
        "encrypted": rsa_key.private_bytes(pem, pkcs8, serialization.BestAvailableEncryption(b"passphrase")),
        "ec": ec.generate_private_key(ec.SECP256R1()).private_bytes(pem, pkcs8, serialization.NoEncryption()),
        "truncated": whole[:400] + b"\n-----END PRIVATE KEY-----\n",
    }


KEY_FILES = _key_files()
