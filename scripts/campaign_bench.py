#!/usr/bin/env python3
"""The HTTP side of the campaign benchmarks (scripts/bench.sh priority and
campaign; docs/benchmarks.md). Standard library only.

  campaign_bench.py otp HTTP_ADDRESS COUNT RATE
      Sends COUNT single messages (one number each) as demo over
      POST /api/v1/messages at RATE per second, waits until each is with
      the SMSC, and prints the percentiles of its time from accepted to
      submitted (its history's ACCEPTED and SUBMITTED times, the switch's
      own clock) as one JSON line.

  campaign_bench.py start HTTP_ADDRESS RECIPIENTS [FIRST_NUMBER]
      Makes a campaign of RECIPIENTS numbers as demo and prints its id.

  campaign_bench.py wait HTTP_ADDRESS ID [SENT]
      Waits until campaign ID has sent SENT recipients (all when absent,
      then until finished) and prints how long that took and the rate as
      one JSON line.
"""

import base64
import json
import sys
import time
import urllib.request
from datetime import datetime

AUTH = "Basic " + base64.b64encode(b"demo:demo1234").decode()


def call(address, method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        f"http://{address}{path}",
        data=data,
        method=method,
        headers={"Authorization": AUTH, "Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=120) as answer:
        return json.load(answer)


def instant(text):
    # RFC 3339 with up to nanoseconds; Python reads microseconds.
    head, _, rest = text.partition(".")
    if not rest:
        return datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp()
    digits = "".join(c for c in rest if c.isdigit())
    zone = rest[len(digits):].replace("Z", "+00:00")
    return datetime.fromisoformat(f"{head}.{digits[:6]:0<6}{zone}").timestamp()


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def otp(address, count, rate):
    ids = []
    started = time.monotonic()
    for n in range(count):
        due = started + n / rate
        time.sleep(max(0.0, due - time.monotonic()))
        sent = call(address, "POST", "/api/v1/messages",
                    {"to": f"+3469{n:07d}", "from": "Bank", "text": f"Your code is {n:06d}"})
        ids.append(sent["messages"][0]["ids"][0])
    latencies = []
    deadline = time.monotonic() + 300
    for message_id in ids:
        while True:
            view = call(address, "GET", f"/api/v1/messages/{message_id}")
            history = {entry["state"].upper(): instant(entry["at"]) for entry in view["history"]}
            if "SUBMITTED" in history:
                latencies.append((history["SUBMITTED"] - history["ACCEPTED"]) * 1000)
                break
            if time.monotonic() > deadline:
                sys.exit(f"message {message_id} never reached the SMSC")
            time.sleep(0.2)
    print(json.dumps({
        "messages": count,
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
    }))


def start(address, recipients, first):
    numbers = [f"+{first + n}" for n in range(recipients)]
    made = call(address, "POST", "/api/v1/campaigns",
                {"name": "bench", "from": "Shop", "text": "Winter sale {{number}}", "numbers": numbers})
    print(made["id"])


def wait(address, campaign, target):
    started = time.monotonic()
    while True:
        view = call(address, "GET", f"/api/v1/campaigns/{campaign}")
        goal = view["total"] if target is None else target
        if view["sent"] >= goal and (target is not None or view["state"] == "finished"):
            seconds = time.monotonic() - started
            print(json.dumps({"campaign": campaign, "sent": view["sent"], "seconds": round(seconds, 2),
                              "recipients_per_s": round(view["sent"] / seconds)}))
            return
        time.sleep(0.2)


def main():
    command, address = sys.argv[1], sys.argv[2]
    if command == "otp":
        otp(address, int(sys.argv[3]), float(sys.argv[4]))
    elif command == "start":
        start(address, int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 34700000000)
    elif command == "wait":
        wait(address, int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else None)
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main()
