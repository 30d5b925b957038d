"""``python -m blueprint.standin NAME VERSION ENGINE_ADDRESS``: serve one stand-in provider plugin."""

import sys

from blueprint.standin.provider import serve

if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit("usage: python -m blueprint.standin NAME VERSION [ENGINE_ADDRESS] [flags]")
    serve(sys.argv[1], sys.argv[2], sys.argv[3:])
