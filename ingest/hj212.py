"""HJ 212 frames (HJ 212-2017, and the version bits of HJ 212-2025): the byte level only.

A frame is `##` + the data segment's length as 4 decimal digits + the data segment (at most
1024 characters) + its CRC as 4 upper-case hex digits + CR LF (docs/domain.md §4). The data
segment is `QN=…;ST=…;CN=…;PW=…;MN=…;Flag=…;CP=&&…&&`: `;` between fields and between the
items of CP, `,` between an item's sub-values, `=` between a name and its value.

`Framer` cuts a byte stream into frames whatever the reads look like (a frame over many reads,
many frames in one), and answers garbage with a rejection and a resynchronisation on the next
`##` instead of an exception. `parse` splits a data segment into its fields and CP items.
`reply` writes the data reply (CN 9014) a logger waits for when its Flag asks for one.
"""

from dataclasses import dataclass, field
from datetime import datetime

MAX_DATA = 1024  # characters of a data segment, by the standard
HEADER = b"##"
TRAILER = b"\r\n"
# Flag bits: A (bit 0) asks for a reply; D (bit 1) says the frame is one of several (packets);
# bits 2–7 are the protocol version: 000001 HJ 212-2017, 000010 HJ 212-2025.
ASKS_REPLY = 0b1
VERSIONS = {1: "HJ 212-2017", 2: "HJ 212-2025"}


def _rounds(byte: int) -> int:
    register = byte
    for _ in range(8):
        register = (register >> 1) ^ 0xA001 if register & 1 else register >> 1
    return register


# After `(register >> 8) ^ byte` the register's high byte is zero, so its 8 rounds depend on
# the low byte alone: one table lookup per byte instead of 8 shifts (the listener checks every
# frame; the bit loop cost 0.3 ms a frame).
_TABLE = [_rounds(i) for i in range(256)]


def crc(data: bytes) -> int:
    """The standard's CRC of a data segment (not CRC-16/MODBUS: the register is shifted
    right by 8 and the byte XORed in before the 8 rounds)."""
    register = 0xFFFF
    table = _TABLE
    for byte in data:
        register = table[(register >> 8) ^ byte]
    return register


def frame(data: str) -> bytes:
    """A data segment wrapped as a frame."""
    body = data.encode("ascii")
    if len(body) > MAX_DATA:
        raise ValueError(f"an HJ 212 data segment holds at most {MAX_DATA} characters, not {len(body)}")
    return HEADER + b"%04d" % len(body) + body + b"%04X" % crc(body) + TRAILER


@dataclass(frozen=True)
class Garbage:
    """Bytes that are not a frame, with the reason, kept for the rejection record."""

    raw: bytes
    reason: str


class Framer:
    """Bytes in (`feed`), whole data segments and garbage out, in the order they came."""

    def __init__(self):
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list:
        """The data segments (str) and Garbage that `chunk` completes."""
        self._buffer += chunk
        found: list = []
        while True:
            start = self._buffer.find(HEADER)
            if start < 0:
                # Keep a trailing "#": it may be the first half of the next header.
                keep = 1 if self._buffer.endswith(b"#") else 0
                if len(self._buffer) > keep:
                    found.append(
                        Garbage(bytes(self._buffer[: len(self._buffer) - keep]), "no frame header (##)")
                    )
                    del self._buffer[: len(self._buffer) - keep]
                return found
            if start:
                found.append(Garbage(bytes(self._buffer[:start]), "bytes before a frame header (##)"))
                del self._buffer[:start]
            if len(self._buffer) < 6:
                return found
            digits = bytes(self._buffer[2:6])
            if not digits.isdigit():
                # One byte only: "###0170…" is a stray "#" before a real header.
                found.append(Garbage(bytes(self._buffer[:1]), f"frame length {digits!r} is not 4 digits"))
                del self._buffer[:1]
                continue
            length = int(digits)
            if length > MAX_DATA:
                found.append(
                    Garbage(
                        bytes(self._buffer[:6]), f"frame length {length} is over the standard's {MAX_DATA}"
                    )
                )
                # The whole header: its four digits cannot begin another one, and a record
                # that kept them would report them twice (found by the fuzz campaign).
                del self._buffer[:6]
                continue
            end = 6 + length + 4 + 2
            if len(self._buffer) < end:
                # A frame still arriving, unless a header inside it shows the length was wrong.
                later = self._buffer.find(HEADER, 2)
                if later < 0:
                    return found
                found.append(Garbage(bytes(self._buffer[:later]), "frame cut short by the next header"))
                del self._buffer[:later]
                continue
            whole = bytes(self._buffer[:end])
            body, check, tail = whole[6 : 6 + length], whole[6 + length : end - 2], whole[end - 2 :]
            if tail != TRAILER:
                later = self._buffer.find(HEADER, 2)
                cut = later if later > 0 else end
                found.append(Garbage(bytes(self._buffer[:cut]), "frame length does not match its data"))
                del self._buffer[:cut]
                continue
            del self._buffer[:end]
            try:
                expected = int(check, 16)
            except ValueError:
                found.append(Garbage(whole, f"frame CRC {check!r} is not 4 hex digits"))
                continue
            if crc(body) != expected:
                found.append(
                    Garbage(
                        whole,
                        f"CRC mismatch: frame says {check.decode(errors='replace')}, "
                        f"data gives {crc(body):04X}",
                    )
                )
                continue
            try:
                found.append(body.decode("ascii"))
            except UnicodeDecodeError:
                found.append(Garbage(whole, "data segment is not ASCII"))
        return found

    def rest(self) -> bytes:
        """What is left over: the start of a frame that has not ended."""
        return bytes(self._buffer)


@dataclass
class Packet:
    """A data segment's fields; `cp` holds CP's items as {name: value} groups in order."""

    fields: dict[str, str]
    cp: list[dict[str, str]] = field(default_factory=list)

    @property
    def flag(self) -> int:
        value = self.fields.get("Flag", "")
        return int(value) if value.isdigit() else 0

    @property
    def asks_reply(self) -> bool:
        return bool(self.flag & ASKS_REPLY)

    @property
    def version(self) -> int:
        """The Flag's version bits: 1 HJ 212-2017, 2 HJ 212-2025, 0 when absent (HJ/T 212-2005)."""
        return self.flag >> 2


class ParseError(ValueError):
    pass


def parse(data: str) -> Packet:
    """Split a data segment: the fields before CP, then CP's items."""
    head, marker, rest = data.partition("CP=&&")
    if not marker or not rest.endswith("&&"):
        raise ParseError("data segment has no CP=&&…&& part")
    fields = _pairs(head.split(";"), "field")
    cp = [_pairs(item.split(","), "CP value") for item in filter(None, rest[:-2].split(";"))]
    return Packet(fields, cp)


def _pairs(parts, what: str) -> dict[str, str]:
    """name=value parts as a dict; an empty part is skipped, one without "=" refused."""
    found = {}
    for part in filter(None, parts):
        name, equals, value = part.partition("=")
        if not equals:
            raise ParseError(f"{what} {part!r} is not name=value")
        found[name] = value
    return found


def upload(when: datetime, cn: str, mn: str, pw: str, cp: str, flag: int | None = 5, st: str = "32") -> str:
    """A logger's data upload as loggers write it: QN is `when` to the millisecond, DataTime
    (`when` to the second, station local time) leads CP, then `cp`'s items. flag None: no Flag
    field (HJ/T 212-2005 loggers may leave it out)."""
    qn = f"{when:%Y%m%d%H%M%S}{when.microsecond // 1000:03d}"
    flag_field = "" if flag is None else f"Flag={flag};"
    return f"QN={qn};ST={st};CN={cn};PW={pw};MN={mn};{flag_field}CP=&&DataTime={when:%Y%m%d%H%M%S};{cp}&&"


def reply(packet: Packet) -> bytes:
    """The data reply (ST 91, CN 9014) to a packet whose Flag asked for one, as the standard's
    example writes it: the request's QN, PW and MN, the same version bits without the A bit,
    and an empty CP (`QN=…;ST=91;CN=9014;PW=…;MN=…;Flag=4;CP=&&&&`)."""
    f = packet.fields
    flag = packet.flag & ~ASKS_REPLY & ~0b10
    return frame(
        f"QN={f.get('QN', '')};ST=91;CN=9014;PW={f.get('PW', '')};MN={f.get('MN', '')};Flag={flag};CP=&&&&"
    )
