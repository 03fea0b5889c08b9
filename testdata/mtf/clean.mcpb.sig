{
  "format": "mcptrust-bundle-signature",
  "version": 1,
  "algorithm": "ed25519",
  "keyId": "sha256:80cad61fe2fe4cb716dbb59bbcc6c3518a174e4c1fc1186f0084df903b4706a6",
  "payload": {
    "mtf_version": "0.1",
    "payload_type": "bundle_signature",
    "subject": {
      "name": "@mcptrust-example/notes",
      "version": "1.2.0",
      "bundle_sha256": "f4be9886519089df7bc5437b73f8000ef94ac4180eea3cee1bc58da6807f6620",
      "manifest_sha256": "63053fce07bcdfe458183840db6eaeefe067faf13f3c2ffb6b01335a93025dbc",
      "sbom_sha256": "839d6fdde75ead53b6097a73cf709fe7fcadd50e23bd48f8dcc5b524eb432e76"
    },
    "timestamp": "2026-11-01T00:00:00Z",
    "signer_identity": "sha256:80cad61fe2fe4cb716dbb59bbcc6c3518a174e4c1fc1186f0084df903b4706a6"
  },
  "signature": "kJ33TLg/D5Q+uBbwo/gjouDVz5guPP5RYjtIm7j0AD87fQ4bPr5/XZxwSYJDvelS6DH8AEfNsMk9LFRlIlvvAw=="
}
