"""SMTP delivery with the standard library: plain, STARTTLS or SSL, with login."""

import functools
import smtplib
import ssl

from wastewatch.config.schema import SMTPConfig

from . import TransportError


@functools.lru_cache(maxsize=4)
def _tls(ca_file: str | None) -> ssl.SSLContext:
    # Loading the CAs takes about 20 ms: once per process, not once per email.
    return ssl.create_default_context(cafile=ca_file)


def send(cfg: SMTPConfig, sender: str, recipients: list[str], message: bytes) -> str:
    """Deliver one message. Raises TransportError; returns a note when the server accepted it
    for some recipients only (sending again would duplicate it for the others)."""
    try:
        server: smtplib.SMTP
        if cfg.security == "ssl":
            server = smtplib.SMTP_SSL(
                cfg.host, cfg.port, timeout=cfg.timeout_s, context=_tls(cfg.ca_file and str(cfg.ca_file))
            )
        else:
            server = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout_s)
        with server:
            if cfg.security == "starttls":
                server.starttls(context=_tls(cfg.ca_file and str(cfg.ca_file)))
            if cfg.username:
                server.login(cfg.username, cfg.password or "")
            refused = server.sendmail(sender, recipients, message)
    except smtplib.SMTPRecipientsRefused as exc:
        raise TransportError(f"every recipient refused: {_codes(exc.recipients)}", permanent=True) from None
    except smtplib.SMTPResponseException as exc:
        text = (
            exc.smtp_error.decode(errors="replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        # Only a refusal of this message is permanent. A refused login or sender is the
        # server's or our config's problem: keep the email and retry until it is fixed.
        permanent = isinstance(exc, smtplib.SMTPDataError) and 500 <= exc.smtp_code < 600
        raise TransportError(f"SMTP {exc.smtp_code} {text}", permanent=permanent) from None
    except (OSError, smtplib.SMTPException) as exc:
        raise TransportError(f"{exc.__class__.__name__}: {exc}") from None
    return f"refused for {_codes(refused)}" if refused else ""


def _codes(recipients: dict) -> str:
    return ", ".join(
        f"{addr} ({code} {text.decode(errors='replace') if isinstance(text, bytes) else text})"
        for addr, (code, text) in recipients.items()
    )
