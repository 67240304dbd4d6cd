"""The load mix for bench/load: seeded members (hearth seed load N) sign in, then open
exchange, event and lunch pages, give gifts, RSVP and enter availability, with a short
think time between steps, as people on phones do.

Each simulated member comes from its own address (X-Forwarded-For; the bench server
trusts loopback as its proxy), so per-IP limits apply as they would in production.
"""
import itertools
import json
import os
import random
import threading

from locust import FastHttpUser, between, events, task

SEED = json.load(open(os.environ["HEARTH_LOAD_SEED"]))
PASSWORD = SEED["password"]
_next = itertools.count()
_lock = threading.Lock()


def next_member():
    with _lock:
        i = next(_next)
    return SEED["members"][i % len(SEED["members"])], i


class Member(FastHttpUser):
    # Think time between steps (HEARTH_LOAD_WAIT="0 0" makes a stress test of it).
    wait_time = between(*map(float, os.environ.get("HEARTH_LOAD_WAIT", "0.5 2.0").split()))

    def on_start(self):
        self.me, i = next_member()
        self.ip = f"10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}"
        self.client.get("/login", name="GET /login", headers=self.h())
        with self.client.post(
            "/api/log_in",
            data={"email": self.me["email"], "password": PASSWORD},
            headers=self.h(json=True),
            name="POST log_in",
            catch_response=True,
            allow_redirects=False,
        ) as r:
            if r.status_code not in (200, 302, 303):
                r.failure(f"log in: {r.status_code} {r.text[:200]}")

    def h(self, json=False):
        h = {"X-Forwarded-For": self.ip}
        if json:
            h["Accept"] = "application/json"
        return h

    def page(self, path, name):
        with self.client.get(path, name=name, headers=self.h(), catch_response=True) as r:
            if r.status_code != 200:
                r.failure(f"{r.status_code}")

    def call(self, endpoint, data, name):
        with self.client.post(
            f"/api/{endpoint}", data=data, headers=self.h(json=True), name=name, catch_response=True
        ) as r:
            if r.status_code not in (200, 302, 303):
                r.failure(f"{r.status_code} {r.text[:200]}")

    @task(2)
    def home(self):
        self.page("/", "GET /")

    @task(4)
    def exchange(self):
        self.page(f"/santa/{self.me['exchange_id']}", "GET /santa/:id")

    @task(2)
    def gift_page(self):
        self.page(f"/santa/{self.me['exchange_id']}/gift", "GET /santa/:id/gift")

    @task(3)
    def event(self):
        self.page(f"/events/{self.me['event_slug']}", "GET /events/:slug")

    @task(3)
    def lunches(self):
        self.page("/lunches", "GET /lunches")

    @task(1)
    def give_gift(self):
        emoji = random.choice(["🎁", "🧦", "📚", "🍫", "🎧"])
        self.call(
            "give_gift",
            {"id": self.me["exchange_id"], "emoji": emoji, "message": f"For you {random.randint(1, 999)}"},
            "POST give_gift",
        )

    @task(1)
    def rsvp(self):
        if self.me["organizes_event"]:
            return  # organizers are not invited to their own event
        self.call(
            "answer_event",
            {"slug": self.me["event_slug"], "answer": random.choice(["going", "maybe", "not_going"])},
            "POST answer_event",
        )

    @task(1)
    def availability(self):
        day = random.choice(["monday", "tuesday", "wednesday", "thursday", "friday"])
        start = random.choice(["11:30", "12:00", "12:30"])
        self.call(
            "save_lunch_window",
            {"repeat": day, "from": start, "until": "14:00"},
            "POST save_lunch_window",
        )
