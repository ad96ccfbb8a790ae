"""A real SMTP server for Reskill's mail tests, on aiosmtpd.

Listens on 127.0.0.1:PORT (0 picks a free one), prints "READY <port>" once it accepts
connections, and stores each accepted message as <DIR>/<n>.eml (written to a temporary name,
then renamed, so a reader never sees half a message). A message's recipients go in a first
line "X-Test-Rcpt: a@b, c@d" so tests can check the envelope.

Recipients whose local part starts with "temp" get 451 (a temporary failure), "perm" get 550
(a permanent one). --delay-ms slows each DATA answer, so a test can kill a sender while
messages are in flight. --auth USER:PASSWORD offers AUTH PLAIN and LOGIN (without TLS) and
accepts only those credentials.
"""

import argparse
import asyncio
import itertools
import logging
import os
import sys

from aiosmtpd.smtp import SMTP, AuthResult


class Store:
    def __init__(self, directory, delay):
        self.directory = directory
        self.delay = delay
        existing = [int(n.split(".")[0]) for n in os.listdir(directory) if n.endswith(".eml")]
        self.counter = itertools.count(max(existing, default=0) + 1)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        local = address.split("@")[0].lower()
        if local.startswith("temp"):
            return "451 4.3.0 Mailbox temporarily unavailable, try again later"
        if local.startswith("perm"):
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            await asyncio.sleep(self.delay)
        n = next(self.counter)
        path = os.path.join(self.directory, f"{n}.eml")
        temporary = os.path.join(self.directory, f".{n}.tmp")
        with open(temporary, "wb") as out:
            out.write(b"X-Test-Rcpt: " + ", ".join(envelope.rcpt_tos).encode() + b"\r\n")
            out.write(envelope.original_content or envelope.content)
        os.rename(temporary, path)
        return "250 2.0.0 Message accepted for delivery"


async def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--dir", required=True)
    parser.add_argument("--delay-ms", type=int, default=0)
    parser.add_argument("--auth", default=None)
    args = parser.parse_args()
    options = {}
    if args.auth:
        user, password = args.auth.split(":", 1)

        def authenticator(server, session, envelope, mechanism, auth_data):
            ok = auth_data.login == user.encode() and auth_data.password == password.encode()
            return AuthResult(success=ok)

        options = {"authenticator": authenticator, "auth_require_tls": False}
        # aiosmtpd itself sets a deprecated field on every successful AUTH and logs a warning.
        logging.getLogger("mail.log").setLevel(logging.ERROR)
    os.makedirs(args.dir, exist_ok=True)
    store = Store(args.dir, args.delay_ms / 1000)
    loop = asyncio.get_running_loop()
    server = await loop.create_server(
        lambda: SMTP(store, hostname="smtp.test", data_size_limit=10_000_000, **options),
        host="127.0.0.1",
        port=args.port,
        reuse_address=True,
    )
    port = server.sockets[0].getsockname()[1]
    print(f"READY {port}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    try:
        asyncio.run(main())
    except KeyboardInterrupt:
        sys.exit(0)
