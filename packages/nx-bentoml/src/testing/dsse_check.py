"""Checks one DSSE envelope with Python's cryptography, sharing no code with the plugin.

DSSE's pre-authentication encoding is written here from the spec
(https://github.com/secure-systems-lab/dsse/blob/master/protocol.md); the signature is ECDSA
P-256 over SHA-256. Prints the statement's predicate type and its first subject's sha256.
Usage: python dsse_check.py ENVELOPE.json PUBLIC_KEY.pem
"""

import base64
import json
import sys

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

with open(sys.argv[1]) as envelope_file:
    envelope = json.load(envelope_file)
with open(sys.argv[2], "rb") as key_file:
    key = serialization.load_pem_public_key(key_file.read())
payload = base64.b64decode(envelope["payload"])
kind = envelope["payloadType"].encode()
pae = b"DSSEv1 %d %s %d %s" % (len(kind), kind, len(payload), payload)
key.verify(base64.b64decode(envelope["signatures"][0]["sig"]), pae, ec.ECDSA(hashes.SHA256()))
statement = json.loads(payload)
print(json.dumps({"predicateType": statement["predicateType"], "subject": statement["subject"][0]["digest"]["sha256"]}))
