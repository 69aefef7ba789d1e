"""Notices through the outbox: email beside three chat channels (a WeCom robot, a DingTalk robot
with 加签, a Standard Webhooks receiver), all real servers on this machine.

An incident storm: every site's pump alarms and its pH leaves 6–9 (two alerts a site, a repair
order each pump) in one evaluation cycle. Measured, in one run:
- the cycle that queues it all, without routes (email only, as before issue 27) and with every
  alert, order and update routed to the three channels (after) — the ratio is what the chat
  messages cost the evaluation;
- the senders' drain of that outbox: email messages a second to the local SMTP server, and chat
  messages a second to each channel, each channel allowed 600 a minute (the robots here take
  whatever comes);
- the storm at the robots' real limit of 20 a minute: how many messages each robot took in the
  first minute and how many notices were folded into digests (every one accounted for).

Prints one JSON line per figure. Usage: .venv/bin/python bench/notify.py [--sites N]
[--state sqlite|postgresql]
"""

import argparse
import json
import tempfile
import time
from pathlib import Path

import fleet  # noqa: E402  (bench/fleet.py; puts the checkout on the path)

from tests.chat_servers import DingTalk, Receiver, WeCom, channel_toml  # noqa: E402
from tests.support import MailServer  # noqa: E402
from wastewatch.alerts.context import Context  # noqa: E402
from wastewatch.config import load_config  # noqa: E402
from wastewatch.jobs.cycles import Evaluation  # noqa: E402
from wastewatch.notify.outbox import Sender  # noqa: E402
from wastewatch.store.base import Reading  # noqa: E402

SECRET = "SECbench"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
NOW = 1_790_000_000  # 2026-09-22 (any moment: the clock is passed in)
NOTICES = ["alert", "alert-resolved", "work-order", "work-order-update", "work-order-escalation"]


def channels_toml(robots: dict, per_minute: int) -> str:
    return (
        channel_toml("bureau", "dingtalk", robots["bureau"].url, SECRET, per_minute=per_minute)
        + channel_toml("crew", "wecom", robots["crew"].url, per_minute=per_minute)
        + channel_toml("province", "webhook", robots["province"].url, WHSEC, per_minute=per_minute)
        + f"""
[[routes]]
channels = ["bureau", "crew", "province"]
notices = {json.dumps(NOTICES)}
"""
    )


def storm(folder: Path, sites: int, mail: MailServer, extra: str, database: str):
    """A fresh installation with `extra` TOML; the storm's evaluation cycle, timed."""
    folder.mkdir(parents=True)
    head = (
        f'[service]\ndata_dir = "data"\n[smtp]\nport = {mail.port}\nsender = "ww@example.cn"\n'
        f'[web]\nbase_url = "https://ww.example.cn"\n{database}{extra}'
    )
    config = load_config(fleet.write_config(folder, head, sites, ("ph", "pump_state")))
    clock = [float(NOW)]
    ctx = Context.open(config, lambda: clock[0])
    readings = []
    for s in range(sites):
        site = f"s{s:04d}"
        readings += [Reading(site, "pump_state", NOW - 600, 4.0, "N")]
        readings += [Reading(site, "ph", NOW - 600 + 300 * k, 9.8, "N") for k in range(3)]
    ctx.store.write(readings)
    started = time.perf_counter()
    Evaluation(ctx).run(NOW)
    return config, ctx, clock, time.perf_counter() - started


def drain(config, ctx, clock) -> dict[str, float]:
    """Send everything queued; messages a second by way out."""
    counts = {
        (row["channel"] or "email"): row["n"]
        for row in ctx.db.execute(
            "SELECT channel, COUNT(*) AS n FROM outbox WHERE status = 'pending' GROUP BY channel"
        ).fetchall()
    }
    sender = Sender(config, ctx.db, clock=lambda: clock[0])
    started = time.perf_counter()
    while sender.run_once()[0]:
        clock[0] += 1
    elapsed = time.perf_counter() - started
    return {"elapsed": elapsed, **counts}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--state", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

    def emit(name: str, value, unit: str, **extra) -> None:
        print(json.dumps({"figure": name, "value": value, "unit": unit, "sites": args.sites, **extra}))

    mail = MailServer().start()
    robots = {"bureau": DingTalk("t1", secret=SECRET), "crew": WeCom("k1"), "province": Receiver(WHSEC)}
    for robot in robots.values():
        robot.per_minute = 1_000_000
        robot.start()
    try:
        with tempfile.TemporaryDirectory() as tmp, fleet.state_databases(args.state, 3) as databases:
            folders = [Path(tmp) / name for name in ("before", "after", "limited")]
            toml = [fleet.database_toml(url) for url in databases]
            # A small storm first: the imports and the templates' compiling are nobody's cost.
            warm = storm(Path(tmp) / "warm", 5, mail, "", "")
            warm[1].close()
            runs = {}
            for name, folder, extra, database in (
                ("before", folders[0], "", toml[0]),
                ("after", folders[1], channels_toml(robots, 600), toml[1]),
            ):
                config, ctx, clock, cycle = storm(folder, args.sites, mail, extra, database)
                for robot in robots.values():
                    robot.clock = lambda clock=clock: clock[0]  # they check signatures by it
                runs[name] = (cycle, drain(config, ctx, clock))
                ctx.close()
            (before, emails), (after, everything) = runs["before"], runs["after"]
            emit("storm cycle, email only (before)", round(before, 3), "s", state=args.state)
            emit("storm cycle, email and three channels (after)", round(after, 3), "s", state=args.state)
            emit("storm cycle after ÷ before", round(after / before, 2), "ratio")
            for name, sent in (("email only (before)", emails), ("email, 3 channels (after)", everything)):
                elapsed = sent.pop("elapsed")
                total = sum(sent.values())
                emit(f"outbox drain, {name}", round(total / elapsed, 1), "messages/s", messages=sent)

            # The robots' real limit: 20 a minute each, the storm folded.
            config, ctx, clock, _ = storm(folders[2], args.sites, mail, channels_toml(robots, 20), toml[2])
            for robot in robots.values():
                robot.reset(20, lambda: clock[0])
            sender = Sender(config, ctx.db, clock=lambda: clock[0])
            for _ in range(60):
                sender.run_once()
                clock[0] += 1
            for name, robot in robots.items():
                folded = ctx.db.execute(
                    "SELECT COUNT(*) FROM outbox WHERE channel = :c AND status = 'folded'", {"c": name}
                ).scalar()
                emit(f"{name}: messages taken in the first minute at 20/min", len(robot.messages), "messages")
                emit(f"{name}: notices folded into digests", folded, "notices")
            ctx.close()
    finally:
        for robot in robots.values():
            robot.stop()
        mail.stop()


if __name__ == "__main__":
    main()
