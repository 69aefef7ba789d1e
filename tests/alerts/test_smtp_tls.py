"""SMTP with STARTTLS or implicit TLS and a login, against aiosmtpd with a throwaway CA."""

import ssl

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from tests.alerts.harness import HOUR, Harness
from tests.ingest.test_tls import make_certificates
from wastewatch.ingest.broker import free_port
from wastewatch.notify.outbox import Sender


class Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append((session.authenticated, envelope.rcpt_tos))
        return "250 OK"


def login(server, session, envelope, mechanism, auth_data):
    # handled=False: aiosmtpd itself answers 535 to a wrong password.
    return AuthResult(
        success=auth_data.login == b"wastewatch" and auth_data.password == b"s3cret", handled=False
    )


@pytest.fixture
def certificates(tmp_path):
    make_certificates(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(tmp_path / "server.pem", tmp_path / "server.key")
    return context


@pytest.mark.parametrize("security", ["starttls", "ssl"])
def test_it_sends_over_tls_with_a_login(write_config, tmp_path, certificates, security):
    inbox, port = Inbox(), free_port()
    # aiosmtpd counts only STARTTLS as TLS for auth_require_tls; with implicit TLS the whole
    # connection is encrypted anyway.
    options = (
        {"tls_context": certificates, "require_starttls": True, "auth_require_tls": True}
        if security == "starttls"
        else {"ssl_context": certificates, "auth_require_tls": False}
    )
    server = Controller(
        inbox, hostname="127.0.0.1", port=port, authenticator=login, server_hostname="127.0.0.1", **options
    )
    server.start()
    try:
        path = write_config()
        path.write_text(
            path.read_text() + f'\n[smtp]\nport = {port}\nsecurity = "{security}"\nca_file = "ca.pem"\n'
            f'username = "wastewatch"\npassword_file = "smtp-password"\n'
        )
        (tmp_path / "smtp-password").write_text("s3cret\n")
        plant = Harness(path)
        plant.write("pump_state", [(0, 4)])
        plant.cycle(HOUR)
        assert Sender(plant.config, plant.ctx.db).run_once() == (2, 0)
        assert [authenticated for authenticated, _ in inbox.messages] == [True, True]
        plant.close()
    finally:
        server.stop()


def test_a_refused_login_keeps_the_email_queued_with_the_error(write_config, tmp_path, certificates):
    port = free_port()
    server = Controller(
        Inbox(),
        hostname="127.0.0.1",
        port=port,
        authenticator=login,
        auth_require_tls=True,
        tls_context=certificates,
        require_starttls=True,
        server_hostname="127.0.0.1",
    )
    server.start()
    try:
        path = write_config()
        path.write_text(
            path.read_text() + f'\n[smtp]\nport = {port}\nsecurity = "starttls"\nca_file = "ca.pem"\n'
            'username = "wastewatch"\npassword = "wrong"\n'
        )
        plant = Harness(path)
        plant.write("pump_state", [(0, 4)])
        plant.cycle(HOUR)
        assert Sender(plant.config, plant.ctx.db).run_once() == (0, 2)
        rows = plant.ctx.db.execute("SELECT status, last_error FROM outbox").fetchall()
        assert [r["status"] for r in rows] == ["pending", "pending"]
        assert rows[0]["last_error"].startswith("SMTP 535")
        plant.close()
    finally:
        server.stop()
