#!/usr/bin/env python3
# Prints the body of a POST /api/v1/register proven with a WireGuard private key, for the
# coordinator's shell tests: argv = private key (wg genkey form), invite; stdin = the reply of
# GET /api/v1/challenge. The proof follows PROTOCOL.md, "Coordinator registration proof".
import base64, hashlib, json, struct, sys
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey, X25519PublicKey

priv = X25519PrivateKey.from_private_bytes(base64.b64decode(sys.argv[1]))
peer = priv.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
invite = sys.argv[2]
ch = json.load(sys.stdin)
coord = base64.b64decode(ch["coordinator_key"])
shared = priv.exchange(X25519PublicKey.from_public_bytes(coord))
key = hashlib.blake2b(b"wirelink register key v1" + coord + peer, key=shared, digest_size=32).digest()
field = lambda s: struct.pack(">I", len(s.encode())) + s.encode()
msg = (b"wirelink register v1" + coord + peer + field(ch["challenge"]) + field(invite) + field("")
       + bytes([0]) + struct.pack(">I", 0))
proof = hashlib.blake2b(msg, key=key, digest_size=32).digest()
print(json.dumps({"peer_id": base64.b64encode(peer).decode(), "invite": invite,
                  "challenge": ch["challenge"], "proof": base64.b64encode(proof).decode()}))
