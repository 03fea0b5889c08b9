{
  "signatureVersion": 1,
  "lockfileDigest": "sha256:4f35c5747094e18f26c7328d981f7ae9e71c963d7f5b6cd78c20974075a3b132",
  "signatures": [
    {
      "algorithm": "ed25519",
      "keyid": "sha256:188ba02bec5ba8647b20b4b71d48308693d67f2eca84842067e7143a09958c3e",
      "signature": "lOo6dSYliahhpMPcioWYjUWu28/PestcCf0urwHpgn8rotPIIwOtTu+RmQZt0Gg+BRSuPqRABOI6uABYts62DQ=="
    }
  ]
}
