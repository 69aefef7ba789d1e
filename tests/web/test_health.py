"""/healthz, for a monitoring probe: "ok", or 503 with what is failing in the process and since
when — the full disk an operator must hear about, not a traceback in a log."""

from tests.web.test_console import base
from wastewatch.store.health import HEALTH


def test_healthz_says_what_is_failing_until_it_works_again(desk, caplog):
    import httpx

    probe = httpx.Client(base_url=base(desk), timeout=10)
    assert (probe.get("/healthz").status_code, probe.get("/healthz").text) == (200, "ok")
    try:
        for _ in range(3):  # a failure repeated by every retry is one problem and one log line
            HEALTH.failing(
                "MQTT ingest", "cannot commit: StoreUnavailable: disk full: database or disk is full"
            )
        answer = probe.get("/healthz")
        assert answer.status_code == 503
        lines = answer.text.splitlines()
        assert lines[0] == "failing" and len(lines) == 2
        assert (
            lines[1].startswith("MQTT ingest: cannot commit: StoreUnavailable: disk full")
            and "(since 20" in lines[1]
        )
        assert len([r for r in caplog.records if "disk full" in r.getMessage()]) == 1
    finally:
        HEALTH.recovered("MQTT ingest")
    assert probe.get("/healthz").text == "ok"
    assert any("MQTT ingest works again" in r.getMessage() for r in caplog.records)
