"""An SMTP server on loopback for bench/mail: accepts every message, counts each
Message-ID, and when EXPECT distinct ones have arrived (or TIMEOUT seconds passed) writes
a JSON summary: distinct, total, duplicates, first and last arrival (unix seconds).

usage: smtp_sink.py PORT EXPECT TIMEOUT OUT.json
"""
import asyncio
import json
import re
import sys
import time

from aiosmtpd.controller import Controller

PORT, EXPECT, TIMEOUT, OUT = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
MESSAGE_ID = re.compile(rb"^Message-ID:\s*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counter:
    def __init__(self):
        self.seen = {}
        self.total = 0
        self.first = None
        self.last = None
        self.done = asyncio.Event()

    async def handle_DATA(self, server, session, envelope):
        now = time.time()
        self.first = self.first or now
        self.last = now
        self.total += 1
        m = MESSAGE_ID.search(envelope.original_content or envelope.content)
        key = m.group(1).decode() if m else f"no-id-{self.total}"
        self.seen[key] = self.seen.get(key, 0) + 1
        if len(self.seen) >= EXPECT:
            self.done.set()
        return "250 OK"


def main():
    counter = Counter()
    controller = Controller(counter, hostname="127.0.0.1", port=PORT)
    controller.start()
    print(f"smtp sink listening on 127.0.0.1:{PORT}", flush=True)
    deadline = time.time() + TIMEOUT
    while time.time() < deadline and len(counter.seen) < EXPECT:
        time.sleep(0.05)
    controller.stop()
    summary = {
        "distinct": len(counter.seen),
        "total": counter.total,
        "duplicates": sum(n - 1 for n in counter.seen.values()),
        "first": counter.first,
        "last": counter.last,
    }
    with open(OUT, "w") as f:
        json.dump(summary, f)
    print(json.dumps(summary), flush=True)


if __name__ == "__main__":
    main()
