"""Addressing: each recipient once, whatever the spelling, and never To and Cc both."""

from wastewatch.notify import addresses


def test_each_address_once_and_cc_without_those_in_to():
    to, cc = addresses(
        ["Operator@tqhb.example.cn", "jianguan@tqhb.example.cn", "operator@TQHB.example.cn"],
        ["operator@tqhb.example.cn", "dispatch@qingyuan.example.cn", " dispatch@qingyuan.example.cn ", ""],
    )
    assert to == ["Operator@tqhb.example.cn", "jianguan@tqhb.example.cn"]
    assert cc == ["dispatch@qingyuan.example.cn"]


def test_with_nobody_in_to_cc_moves_up():
    assert addresses([], ["operator@tqhb.example.cn"]) == (["operator@tqhb.example.cn"], [])
    assert addresses([], []) == ([], [])
