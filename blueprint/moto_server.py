"""Entry point of the embedded emulator process: moto server bound to a loopback address only.

Run as `python -m blueprint.moto_server --host 127.0.0.1 --port N`; `blueprint.emulator` starts it.
"""

from __future__ import annotations

import argparse
import importlib.util
import ipaddress
from pathlib import Path
from types import ModuleType

PATCHES_FILE = Path(__file__).resolve().parent.parent / "localstack" / "moto_patches.py"


def load_patches() -> ModuleType:
    """localstack/moto_patches.py, loaded by path (a package named `localstack` would shadow LocalStack)."""
    spec = importlib.util.spec_from_file_location("blueprint_moto_patches", PATCHES_FILE)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


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

    load_patches().apply_all()

    tls = ["--ssl-cert", args.cert, "--ssl-key", args.key] if args.cert and args.key else []
    moto_main(["--host", args.host, "--port", str(args.port), *tls])


if __name__ == "__main__":
    main()
