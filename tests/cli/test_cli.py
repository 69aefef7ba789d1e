"""The `wastewatch` command as an operator runs it: counts, CSV out, one-sentence errors."""

from tests.conftest import CONTRACTOR, VILLAGE_SITE
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
            "wastewatch: unknown site 'nosuch'; the config has: helin",
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
            "session_expiry_s, reconnect_min_s, reconnect_max_s, share_group, rescue_after_s, tls",
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


def test_config_check_names_each_channel_and_what_it_receives_but_never_its_address(write_config):
    secret = "https://oapi.dingtalk.com/robot/send?access_token=do-not-print"
    config = write_config(
        extra=f'\n[[channels]]\nid = "bureau"\nkind = "dingtalk"\nurl = "{secret}"\nper_minute = 10\n'
        '\n[[channels]]\nid = "spare"\nkind = "wecom"\n'
        'url = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=k"\n'
        '\n[[routes]]\nchannels = ["bureau"]\nnotices = ["alert", "monthly-report"]\n'
    )
    result = wastewatch("config", "check", "--config", config)
    [line] = [line for line in result.stdout.splitlines() if line.strip().startswith("channels")]
    assert (
        line.split(None, 1)[1]
        == "bureau (dingtalk, 10/min): alert, monthly-report; spare (wecom, 20/min): no route"
    )
    assert "do-not-print" not in result.stdout and "key=k" not in result.stdout


def test_serve_exits_with_one_sentence_when_the_config_is_wrong():
    result = wastewatch("serve", "--config", ROOT / "tests" / "config" / "bad" / "bad-locale.toml")
    assert result.returncode == 1
    assert result.stderr.strip().endswith("service.locale: must be 'zh-CN' or 'en' (got 'fr')")


def test_an_import_with_a_chinese_header_row_in_its_own_order_is_understood(write_config, tmp_path):
    config = write_config()
    data = tmp_path / "补传数据.csv"
    data.write_text(
        "\ufeff监测时间,站点编号,监测项目,监测值,数据标记\n"
        "2026-10-01T08:00:00+08:00,helin,cod,41.5,N\n"
        "2026-10-01T09:00:00+08:00,helin,cod,39.0,\n",
        encoding="utf-8",
    )
    done = wastewatch("import", "--config", config, data)
    assert done.stdout.splitlines()[0] == "accepted 2 readings (2 new, 0 already stored), rejected 0"
    odd = tmp_path / "odd.csv"
    odd.write_text("地点,项目,时刻,读数\nhelin,cod,2026-10-01T10:00:00+08:00,40\n", encoding="utf-8")
    refused = wastewatch("import", "--config", config, odd)
    assert refused.stdout.splitlines()[0] == "accepted 1 readings (1 new, 0 already stored), rejected 1"
    listed = wastewatch("rejections", "--config", config).stdout
    assert (
        "item 1: a header row names the columns site/站点, metric/指标, ts/时间, value/数值[, flag/标志]"
        in listed
    )


def test_unknown_names_are_errors_that_say_what_exists(write_config):
    config = write_config()
    metric = wastewatch("readings", "--config", config, "--site", "helin", "--metric", "COD")
    assert (metric.returncode, metric.stdout) == (1, "")
    assert metric.stderr == (
        "wastewatch: unknown metric 'COD'; site helin has: cod, flow, nh3n, ph, pump_state, water_temp\n"
    )
    contractor = wastewatch("workorders", "list", "--config", config, "--contractor", "qingyan")
    assert contractor.stderr == "wastewatch: unknown contractor 'qingyan'; the config has: qingyuan\n"
    site = wastewatch("maintenance", "list", "--config", config, "--site", "heling")
    assert site.stderr == "wastewatch: unknown site 'heling'; the config has: helin\n"
    state = wastewatch("alerts", "list", "--config", config, "--state", "closed")
    assert state.returncode == 2 and "invalid choice: 'closed' (choose from open, firing, acknowledged" in (
        state.stderr.replace("'open', 'firing', 'acknowledged'", "open, firing, acknowledged")
    )


def test_who_did_it_comes_from_by_or_the_config_never_the_login(write_config, tmp_path):
    config = write_config()
    args = ("maintenance", "add", "--config", config, "--site", "helin", "--reason", "更换鼓风机")
    nobody = wastewatch(*args)
    assert nobody.returncode == 1 and nobody.stderr == (
        "wastewatch: say who does it: --by NAME, or set [service] operator in the config\n"
    )
    assert wastewatch(*args, "--by", "李工").returncode == 0
    text = config.read_text(encoding="utf-8").replace("[service]\n", '[service]\noperator = "王科长"\n', 1)
    config.write_text(text, encoding="utf-8")
    assert wastewatch(*args).returncode == 0
    listed = wastewatch("maintenance", "list", "--config", config).stdout
    assert "2 maintenance windows" in listed and "by 李工:" in listed and "by 王科长:" in listed


def test_the_config_can_come_from_the_environment(write_config):
    config = write_config()
    listed = wastewatch("workorders", "list", env={"WASTEWATCH_CONFIG": str(config)})
    assert listed.returncode == 0 and listed.stdout.startswith("0 work orders (in-play)")
    missing = wastewatch("workorders", "list")
    assert missing.returncode == 2 and "the following arguments are required: --config" in missing.stderr


def test_every_option_of_every_command_says_what_it_is_for():
    import argparse

    from wastewatch.cli.main import _parser

    def walk(parser, path):
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    yield from walk(sub, [*path, name])
            elif not isinstance(action, argparse._HelpAction):
                yield " ".join(path), action

    silent = [
        f"{path} {'/'.join(a.option_strings) or a.dest}"
        for path, a in walk(_parser(), ["wastewatch"])
        if not a.help
    ]
    assert silent == []


def test_outbox_send_fails_loudly_naming_the_mail_server_it_tried(write_config, tmp_path):
    from tests.alerts.harness import Harness
    from wastewatch.ingest.broker import free_port

    port = free_port()  # nothing listens there
    config = write_config(extra=f"\n[smtp]\nport = {port}\nretry_min_s = 1\n")
    plant = Harness(config)
    try:
        plant.write("cod", [(m * 3600, 90.0) for m in range(3)])
        plant.cycle(3 * 3600)
        assert plant.queued()
    finally:
        plant.close()
    sent = wastewatch("outbox", "send", "--config", config)
    assert sent.returncode == 1 and sent.stdout == "sent 0 emails\n"
    assert sent.stderr.splitlines()[-1].startswith(
        f"wastewatch: 1 email could not be sent through the mail server 127.0.0.1:{port} "
        + "(ConnectionRefusedError"
    )


def test_json_log_lines_are_one_object_each_for_a_log_collector(tmp_path):
    """`[service] log_format = "json"`: each line a JSON object, Chinese kept as it is."""
    import json

    config = tmp_path / "json.toml"
    config.write_text(
        '[service]\ndata_dir = "data"\nlog_format = "json"\nlog_level = "DEBUG"\n\n'
        '[mqtt]\nhost = "127.0.0.1"\nport = 1\n' + CONTRACTOR + VILLAGE_SITE,
        encoding="utf-8",
    )
    done = wastewatch("workorders", "list", "--config", str(config))
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stderr.splitlines() if line.strip()]
    assert lines, "the command logs something at DEBUG"
    for line in lines:
        assert {"timestamp", "level", "logger", "message"} <= set(line)
        assert line["timestamp"].endswith("+00:00")
