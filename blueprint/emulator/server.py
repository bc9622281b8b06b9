"""Entry point of the embedded emulator process: moto server bound to a loopback address only.

Run as `python -m blueprint.emulator.server --host 127.0.0.1 --port N`; `blueprint.emulator.process`
starts it. The patches of `moto_patches.py` are applied before moto serves a request.
"""

from __future__ import annotations

import argparse
import ipaddress


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--cert", help="PEM certificate: serve TLS")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args(argv)
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error(f"--host {args.host} is not a loopback address; the emulator listens on 127.0.0.1 only")
    from moto.server import main as moto_main

    from blueprint.emulator import moto_patches

    moto_patches.apply_all()

    tls = ["--ssl-cert", args.cert, "--ssl-key", args.key] if args.cert and args.key else []
    moto_main(["--host", args.host, "--port", str(args.port), *tls])


if __name__ == "__main__":
    main()
