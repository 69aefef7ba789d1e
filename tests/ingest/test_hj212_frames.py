"""HJ 212 frames at the byte level: the standard's CRC test vector, frames cut anyhow by the
network, garbage between frames, and every way a frame can be wrong — each a rejection with
its bytes kept, never an exception."""

import pytest

from wastewatch.ingest.hj212 import Framer, Garbage, ParseError, crc, frame, parse, reply

VECTOR = (
    "QN=20160801085857223;ST=32;CN=1062;PW=100000;MN=010000A8900016F000169DC0;Flag=5;CP=&&RtdInterval=30&&"
)
DATA = (
    "QN=20261012080000123;ST=32;CN=2011;PW=123456;MN=010000A8900016F000169DC0;Flag=5;"
    "CP=&&DataTime=20261012080000;w01018-Rtd=42.5,w01018-Flag=N;w00000-Rtd=1.25,w00000-Flag=D&&"
)


def test_the_standards_test_vector():
    assert len(VECTOR) == 101 and crc(VECTOR.encode()) == 0x1C80
    assert frame(VECTOR) == b"##0101" + VECTOR.encode() + b"1C80\r\n"


def test_a_frame_fed_byte_by_byte_or_many_at_once_decodes_the_same():
    wire = frame(DATA) + frame(VECTOR)
    framer = Framer()
    found = [x for b in wire for x in framer.feed(bytes([b]))]
    assert found == [DATA, VECTOR]
    assert Framer().feed(wire) == [DATA, VECTOR]


def test_garbage_is_a_rejection_and_the_next_header_resynchronises():
    framer = Framer()
    found = framer.feed(b"\x00\xffnoise" + frame(DATA) + b"#x" + frame(VECTOR) + b"trailing#")
    assert found[1] == DATA and found[3] == VECTOR
    assert [g.raw for g in found if isinstance(g, Garbage)] == [b"\x00\xffnoise", b"#x", b"trailing"]
    assert framer.feed(frame(DATA)[1:]) == [DATA]  # the kept "#" began the next header
    found = Framer().feed(b"#" + frame(DATA))  # a stray "#" before a header costs one byte
    assert [type(x) for x in found] == [Garbage, str] and found[0].raw == b"#"


@pytest.mark.parametrize(
    "wire, reason",
    [
        (frame(DATA)[:-6] + b"0000\r\n", "CRC mismatch: frame says 0000, data gives"),
        (b"##0009" + DATA.encode() + b"1C80\r\n", "frame length does not match its data"),
        (b"##12ab" + DATA.encode(), "frame length b'12ab' is not 4 digits"),
        (b"##2000" + DATA.encode(), "frame length 2000 is over the standard's 1024"),
        (frame(DATA)[:-6] + b"zzzz\r\n", "frame CRC b'zzzz' is not 4 hex digits"),
    ],
)
def test_a_wrong_frame_is_kept_with_its_reason_and_the_next_one_still_decodes(wire, reason):
    found = Framer().feed(wire + frame(VECTOR))
    assert isinstance(found[0], Garbage) and found[0].reason.startswith(reason), found
    assert found[-1] == VECTOR
    # Each byte in one record: an over-long header's digits were once reported twice (found
    # by the fuzz campaign).
    assert sum(len(g.raw) for g in found if isinstance(g, Garbage)) == len(wire)


def test_a_frame_cut_short_by_the_next_header_is_one_rejection():
    found = Framer().feed(frame(DATA)[:40] + frame(VECTOR))
    assert [type(x) for x in found] == [Garbage, str] and found[
        0
    ].reason == "frame cut short by the next header"


def test_a_data_segment_splits_into_fields_and_cp_items():
    packet = parse(DATA)
    assert packet.fields["CN"] == "2011" and packet.fields["MN"] == "010000A8900016F000169DC0"
    assert packet.cp == [
        {"DataTime": "20261012080000"},
        {"w01018-Rtd": "42.5", "w01018-Flag": "N"},
        {"w00000-Rtd": "1.25", "w00000-Flag": "D"},
    ]
    assert packet.asks_reply and packet.version == 1  # Flag 5 = version 000001, A bit set
    assert parse(DATA.replace("Flag=5", "Flag=9")).version == 2  # HJ 212-2025's version bits
    assert parse(DATA.replace("Flag=5;", "")).version == 0  # HJ/T 212-2005 has no Flag
    with pytest.raises(ParseError, match="no CP=&&"):
        parse("QN=1;ST=32;CN=2011")


def test_the_data_reply_carries_the_requests_qn_and_no_reply_bit():
    answer = reply(parse(DATA))
    [body] = Framer().feed(answer)
    assert body == "QN=20261012080000123;ST=91;CN=9014;PW=123456;MN=010000A8900016F000169DC0;Flag=4;CP=&&&&"
    assert not parse(body).asks_reply
