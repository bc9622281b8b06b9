"""Entry point of the embedded emulator process: moto server bound to a loopback address only.

Run as `python -m blueprint.emulator.server --host 127.0.0.1 --ready-file F --nonce N`;
`blueprint.emulator.process` starts it. The server binds port 0 itself (the kernel picks a free port
atomically, so two emulators starting at once can never end up on one port), then writes its port to
the ready file. `GET /_blueprint/emulator` answers its nonce and PID, so a client can tell its own
emulator from any other server. The patches of `moto_patches.py` are applied before moto serves a
request.
"""

from __future__ import annotations

import argparse
import io
import ipaddress
import json
import os
import signal
import sys
import time
from pathlib import Path
from typing import Any

IDENTITY_PATH = "/_blueprint/emulator"


def _identity(app: Any, nonce: str) -> Any:
    """The moto app, plus the identity path and an access log line per call naming the API action
    (moto's own log shows only `POST /`): the evidence when a call is repeated or fails."""

    def serve(environ: dict[str, Any], start_response: Any) -> Any:
        if environ.get("PATH_INFO") == IDENTITY_PATH:
            body = json.dumps({"nonce": nonce, "pid": os.getpid()}).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            start_response("200 OK", headers)
            return [body]
        action = environ.get("HTTP_X_AMZ_TARGET", "")
        if not action and environ.get("REQUEST_METHOD") == "POST":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            raw = environ["wsgi.input"].read(length) if length else b""
            environ["wsgi.input"] = io.BytesIO(raw)
            if b"Action=" in raw[:4096]:
                action = raw.split(b"Action=", 1)[1].split(b"&", 1)[0].decode(errors="replace")
        started = time.monotonic()
        status: list[str] = []

        def recording_start(code: str, headers: Any, *rest: Any) -> Any:
            status.append(code.split(" ", 1)[0])
            return start_response(code, headers, *rest)

        result = app(environ, recording_start)
        if action:
            took = (time.monotonic() - started) * 1000
            print(f"blueprint-call {action} {status[0] if status else '?'} {took:.0f}ms", flush=True)
        return result

    return serve


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument(
        "--port", type=int, default=0, help="0 (the default): a free port, written to --ready-file"
    )
    parser.add_argument("--ready-file", help="Where to write {port, pid, nonce} once listening")
    parser.add_argument("--nonce", default="", help="Answered at /_blueprint/emulator")
    parser.add_argument("--cert", help="PEM certificate: serve TLS")
    parser.add_argument("--key", help="PEM private key of --cert")
    args = parser.parse_args(argv)
    if not ipaddress.ip_address(args.host).is_loopback:
        parser.error(f"--host {args.host} is not a loopback address; the emulator listens on 127.0.0.1 only")
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server

    from blueprint.emulator import moto_patches

    moto_patches.apply_all()
    app = DomainDispatcherApplication(create_backend_app)
    app.debug = True  # type: ignore[attr-defined]  # as moto's own server: errors in the log
    ssl_context = (args.cert, args.key) if args.cert and args.key else None
    server = make_server(
        args.host,
        args.port,
        _identity(app, args.nonce),
        threaded=True,
        request_handler=MotoRequestHandler,
        ssl_context=ssl_context,
    )
    port = int(server.server_port)
    os.environ["MOTO_PORT"] = str(port)  # moto builds some URLs (SQS queues, ...) from it
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    if args.ready_file:
        ready = Path(args.ready_file)
        partial = ready.with_suffix(".partial")
        partial.write_text(json.dumps({"port": port, "pid": os.getpid(), "nonce": args.nonce}))
        partial.replace(ready)  # atomic: the parent never reads half a file
    print(f"emulator listening on {args.host}:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
