"""free_port: a port the kernel would not hand an outgoing connection meanwhile, once each."""

import socket

from wastewatch.ingest.broker import _ephemeral_low, free_port


def test_ports_lie_below_the_ephemeral_range_and_are_not_handed_out_twice():
    ports = [free_port() for _ in range(300)]
    assert len(set(ports)) == len(ports)
    assert all(20000 <= port < _ephemeral_low() for port in ports)


def test_a_port_something_listens_on_is_passed_over(monkeypatch):
    from wastewatch.ingest import broker

    listening = socket.create_server(("127.0.0.1", free_port()))
    try:
        taken, spare = listening.getsockname()[1], free_port()
        broker._HANDED_OUT.discard(spare)  # as if never handed out, so it can be drawn again
        draws = iter([taken, spare])
        monkeypatch.setattr(broker.random, "randrange", lambda *_: next(draws))
        assert free_port() == spare
    finally:
        listening.close()
