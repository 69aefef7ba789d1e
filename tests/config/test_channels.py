"""`[[channels]]`: each robot's address and secret checked at start in the form its platform
gives them, secrets from files, and one sentence naming the key for every mistake."""

import json

import pytest

from wastewatch.config import ConfigError, load_config

WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DINGTALK = "https://oapi.dingtalk.com/robot/send?access_token=4b1f0e6c"
WHSEC = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"


def channel(**keys) -> str:
    """A [[channels]] table: strings quoted, lists of strings as TOML arrays."""
    lines = [f"{k} = {json.dumps(v, ensure_ascii=False)}" for k, v in keys.items()]
    return "[[channels]]\n" + "\n".join(lines) + "\n"


def test_three_kinds_load_with_their_secrets_from_files(tmp_path):
    (tmp_path / "robot.url").write_text(DINGTALK + "\n")
    (tmp_path / "robot.secret").write_text("SECabc123\n")
    path = tmp_path / "ww.toml"
    path.write_text(
        channel(id="bureau-wecom", kind="wecom", url=WECOM, mentions=["wangke"])
        + channel(
            id="crew", kind="dingtalk", url_file="robot.url", secret_file="robot.secret", keyword="运维"
        )
        + channel(id="province", kind="webhook", url="https://hooks.sc.example.cn/ww", secret=WHSEC),
        encoding="utf-8",
    )
    wecom, crew, province = load_config(path).file.channels
    assert (wecom.kind, wecom.mentions, wecom.secret) == ("wecom", ["wangke"], None)
    assert (crew.url, crew.secret, crew.keyword) == (DINGTALK, "SECabc123", "运维")
    assert province.secret == WHSEC


@pytest.mark.parametrize(
    "keys, message",
    [
        (
            {"id": "x", "kind": "wecom", "url": "https://qyapi.weixin.qq.com/cgi-bin/webhook/send"},
            "channels[0]: a wecom robot's url looks like https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=…",
        ),
        (
            {"id": "x", "kind": "dingtalk", "url": "https://oapi.dingtalk.com/robot/send?token=1"},
            "channels[0]: a dingtalk robot's url looks like https://oapi.dingtalk.com/robot/send?access_token=…",
        ),
        (
            {"id": "x", "kind": "wecom", "url": WECOM, "secret": "s"},
            "channels[0]: a WeCom robot has no secret; its key is in the url",
        ),
        (
            {"id": "x", "kind": "webhook", "url": "https://hooks.example.cn/ww"},
            "channels[0]: a webhook needs secret (or secret_file): whsec_<base64>",
        ),
        (
            {"id": "x", "kind": "webhook", "url": "https://hooks.example.cn/ww", "secret": "plain-secret"},
            "channels[0]: a webhook's secret is whsec_ followed by Base64, as Standard Webhooks gives it",
        ),
        (
            {"id": "x", "kind": "wecom", "url": WECOM, "keyword": "运维"},
            "channels[0]: keyword is for DingTalk robots secured by keywords",
        ),
        (
            {"id": "x", "kind": "feishu", "url": WECOM},
            "channels[0].kind: must be 'wecom', 'dingtalk' or 'webhook' (got 'feishu')",
        ),
        (
            {"id": "x", "kind": "webhook", "url": "ftp://hooks.example.cn", "secret": WHSEC},
            "channels[0].url: must be a web address, http://… or https://… (not shown: it may hold a key)",
        ),
    ],
)
def test_a_mistake_names_the_channel_and_what_is_allowed(tmp_path, keys, message):
    path = tmp_path / "ww.toml"
    path.write_text(channel(**keys), encoding="utf-8")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: {message}"


def test_two_channels_with_one_id_and_a_missing_secret_file_are_refused(tmp_path):
    path = tmp_path / "ww.toml"
    path.write_text(channel(id="a", kind="wecom", url=WECOM) * 2, encoding="utf-8")
    with pytest.raises(ConfigError, match=r"channels\[1\]\.id: duplicate channel id 'a'"):
        load_config(path)
    path.write_text(channel(id="a", kind="dingtalk", url=DINGTALK, secret_file="gone"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"channels\[0\]\.secret_file: cannot read 'gone'"):
        load_config(path)


def test_an_error_about_a_secret_does_not_repeat_it(tmp_path):
    path = tmp_path / "ww.toml"
    path.write_text(
        channel(id="a", kind="dingtalk", url=DINGTALK, secret=12345678) + "[smtp]\npassword = 99\n"
    )
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    text = str(caught.value)
    assert "12345678" not in text and "99" not in text and "the value is not shown: it is a secret" in text
