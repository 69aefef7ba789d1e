"""The `wastewatch` command as an operator runs it: counts, CSV out, one-sentence errors."""

from tests.support import ROOT, wastewatch


def test_import_stores_good_rows_and_counts_the_bad(write_config, tmp_path):
    config = write_config()
    data = tmp_path / "backlog.csv"
    data.write_text(
        "site,metric,ts,value,flag\n"
        "helin,cod,2026-10-01T08:00:00+08:00,41.5,N\n"
        "helin,cod,2026-10-01T09:00:00+08:00,39.0\n"
        "helin,ph,2026-10-01T09:00:00+08:00,7.1,C\n"
        "helin,cod,2026-10-01T10:00:00+08:00,high\n"
        "nowhere,cod,2026-10-01T10:00:00+08:00,1\n"
        "helin,cod\n",
        encoding="utf-8",
    )
    first = wastewatch("import", "--config", config, data)
    assert first.returncode == 0, first.stderr
    assert first.stdout.splitlines()[0] == "accepted 3 readings (3 new, 0 already stored), rejected 3"
    again = wastewatch("import", "--config", config, data)
    assert again.stdout.splitlines()[0] == "accepted 3 readings (0 new, 3 already stored), rejected 3"

    listed = wastewatch("rejections", "--config", config)
    assert "import:backlog.csv item 5: value of 'cod' is not a finite number: \"high\"" in listed.stdout
    assert "item 6: unknown site 'nowhere'" in listed.stdout
    assert "item 7: a line must be site,metric,ts,value[,flag]" in listed.stdout

    out = wastewatch(
        "readings",
        "--config",
        config,
        "--site",
        "helin",
        "--metric",
        "cod",
        "--since",
        "2026-10-01",
        "--until",
        "2026-10-02",
    )
    assert out.stdout.splitlines() == [
        "site,metric,ts,value,flag",
        "helin,cod,2026-10-01T08:00:00+08:00,41.5,N",
        "helin,cod,2026-10-01T09:00:00+08:00,39.0,N",
    ]


def test_import_reads_json_lines_with_the_mqtt_shape(write_config, tmp_path):
    config = write_config()
    data = tmp_path / "logger.jsonl"
    data.write_text(
        '{"site": "helin", "ts": "2026-10-01T08:00:00+08:00", "values": {"flow": 2.5, "cod": 40}}\n'
        "\n"
        "{broken\n"
        '{"ts": "2026-10-01T08:00:00+08:00", "values": {"cod": 40}}\n',
        encoding="utf-8",
    )
    result = wastewatch("import", "--config", config, data)
    assert result.stdout.splitlines()[0] == "accepted 2 readings (2 new, 0 already stored), rejected 2"
    listed = wastewatch("rejections", "--config", config).stdout
    assert "item 3: line is not JSON" in listed and "item 4: item has no site" in listed


def test_errors_are_one_sentence_without_a_traceback(write_config, tmp_path):
    config = write_config()
    cases = [
        (
            ("readings", "--config", tmp_path / "none.toml", "--site", "x", "--metric", "cod"),
            f"wastewatch: {tmp_path / 'none.toml'}: file not found",
        ),
        (
            ("readings", "--config", config, "--site", "nosuch", "--metric", "cod"),
            "wastewatch: unknown site 'nosuch'; see 'wastewatch config check' for the site list",
        ),
        (
            ("readings", "--config", config, "--site", "helin", "--metric", "cod", "--since", "yesterday"),
            "wastewatch: --since 'yesterday' is not an ISO date or time such as 2026-10-01 or "
            "2026-10-01T08:00",
        ),
        (
            ("import", "--config", config, tmp_path / "missing.csv"),
            f"wastewatch: {tmp_path / 'missing.csv'}: no such file",
        ),
        (
            ("config", "check", "--config", ROOT / "tests" / "config" / "bad" / "unknown-key.toml"),
            f"wastewatch: {ROOT / 'tests' / 'config' / 'bad' / 'unknown-key.toml'}: mqtt.hots: unknown key; "
            "allowed keys here: host, port, topic_prefix, client_id, username, password, keepalive_s, "
            "session_expiry_s, reconnect_min_s, reconnect_max_s, tls",
        ),
    ]
    for args, message in cases:
        result = wastewatch(*args)
        assert result.returncode != 0
        assert result.stderr.strip() == message
        assert "Traceback" not in result.stderr


def test_config_check_summarises_the_example():
    result = wastewatch("config", "check", "--config", "config/example.toml")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "config/example.toml: OK"
    assert any(line.strip().startswith("sites       3 in 3 towns") for line in lines)
    assert any("2 sites from" in line and "sites.example.csv" in line for line in lines)


def test_serve_exits_with_one_sentence_when_the_config_is_wrong():
    result = wastewatch("serve", "--config", ROOT / "tests" / "config" / "bad" / "bad-locale.toml")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("service.locale: must be 'zh-CN' or 'en' (got 'fr')")
