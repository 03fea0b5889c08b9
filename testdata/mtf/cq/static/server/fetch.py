# Fixture: Bandit-style findings.
import requests

def get(url: str) -> str:
    return requests.get(url, verify=False).text
