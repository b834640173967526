"""`python -m ops.healthcheck URL`: exit 0 when URL answers HTTP 2xx within 5 s, else 1.

The images' HEALTHCHECK and the compose healthchecks (python:3.10-slim has no curl). The URL is each
service's readiness page: the Rasa server's REST channel (503 until the model is loaded), the
action server's and the web page's /health, the gateway's /health (503 when not receiving updates).
"""
import sys
import urllib.error
import urllib.request


def main(argv: list) -> int:
    if len(argv) != 1:
        print("usage: python -m ops.healthcheck URL", file=sys.stderr)
        return 2
    try:
        with urllib.request.urlopen(argv[0], timeout=5) as response:
            return 0 if 200 <= response.status < 300 else 1
    except (OSError, urllib.error.URLError) as error:
        print(f"unhealthy: {error}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
