# Computes the known-answer vector in register_proof_test.cpp with an implementation independent
# of wirelink (python3-cryptography for X25519, hashlib for BLAKE2b), from PROTOCOL.md's layout.
import hashlib, base64, struct
from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey
from cryptography.hazmat.primitives import serialization as s
raw=lambda k: k.public_key().public_bytes(s.Encoding.Raw, s.PublicFormat.Raw)
peer=X25519PrivateKey.from_private_bytes(bytes(range(1,33)))
coord=X25519PrivateKey.from_private_bytes(bytes(range(33,65)))
P=raw(peer); C=raw(coord)
shared=peer.exchange(coord.public_key())
key=hashlib.blake2b(b"wirelink register key v1"+C+P, key=shared, digest_size=32).digest()
f=lambda b: struct.pack(">I",len(b))+b
challenge=b"wlch1.example"; invite=b"wlinv1.example"; addr=b"192.0.2.1:51820"
msg=b"wirelink register v1"+C+P+f(challenge)+f(invite)+f(addr)+bytes([1])+struct.pack(">I",5)
mac=hashlib.blake2b(msg, key=key, digest_size=32).digest()
print("peer_pub", base64.b64encode(P).decode())
print("coord_pub", base64.b64encode(C).decode())
print("msg_len", len(msg))
print("proof", base64.b64encode(mac).decode())
