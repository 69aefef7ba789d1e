"""Signed, expiring, single-use links for work-order emails.

A link names one order and one action (acknowledge or done). Its token is signed with the
service's key (itsdangerous), so a changed character is caught before the database is asked.
Every issued link is also a row: its nonce must exist, be unused and unexpired, which is what
stops a replay after the action, and what lets an operator see which links went out.
"""

import os
import secrets
from pathlib import Path

from itsdangerous import BadSignature, URLSafeSerializer

from wastewatch.store.state import State

ACTIONS = ("acknowledge", "done")
_SALT = "wastewatch.work-order-link"


class LinkError(Exception):
    """Why a link was refused: tampered, unknown, wrong_order, wrong_action, expired or used."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


def secret_key(config) -> str:
    """The configured key, or a random one created once in the data folder (mode 0600)."""
    if config.web.secret_key:
        return config.web.secret_key
    path = Path(config.data_dir) / "web-secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as out:
            out.write(secrets.token_urlsafe(32))
    return path.read_text().strip()


class Links:
    def __init__(self, config):
        self.serializer = URLSafeSerializer(secret_key(config), salt=_SALT)
        self.base = config.web.url
        self.ttl_s = config.web.link_valid_h * 3600

    def issue(self, db: State, order_id: str, action: str, now: int) -> str:
        """A new link (a row in work_order_links, inside the caller's transaction)."""
        assert action in ACTIONS
        nonce = secrets.token_urlsafe(12)
        expires = now + self.ttl_s
        db.execute(
            "INSERT INTO work_order_links (nonce, work_order_id, action, issued_at, expires_at) "
            "VALUES (:nonce, :order, :action, :now, :expires)",
            {"nonce": nonce, "order": order_id, "action": action, "now": now, "expires": expires},
        )
        token = self.serializer.dumps({"o": order_id, "a": action, "n": nonce, "e": expires})
        return f"{self.base}/wo/{order_id}/{action}?t={token}"

    def check(self, db: State, order_id: str, action: str, token: str, now: int):
        """The link's row, if the token is genuine, for this order and action, unexpired and unused."""
        try:
            claims = self.serializer.loads(token)
        except BadSignature:
            raise LinkError("tampered") from None
        if not isinstance(claims, dict) or not {"o", "a", "n", "e"} <= claims.keys():
            raise LinkError("tampered")
        if claims["o"] != order_id:
            raise LinkError("wrong_order")
        if claims["a"] != action:
            raise LinkError("wrong_action")
        row = db.execute(
            "SELECT * FROM work_order_links WHERE nonce = :nonce", {"nonce": claims["n"]}
        ).fetchone()
        if row is None or row["work_order_id"] != order_id or row["action"] != action:
            raise LinkError("unknown")
        if row["used_at"] is not None:
            raise LinkError("used")
        if now >= row["expires_at"]:
            raise LinkError("expired")
        return row


def use(db: State, nonce: str, now: int) -> None:
    """Spend a link (inside the caller's transaction); a second use is a replay."""
    if (
        db.execute(
            "UPDATE work_order_links SET used_at = :now WHERE nonce = :nonce AND used_at IS NULL",
            {"now": now, "nonce": nonce},
        ).rowcount
        != 1
    ):
        raise LinkError("used")


def retire(db: State, order_id: str, actions: tuple[str, ...], now: int) -> None:
    """Links whose action is done stop working, even ones from other emails about the order."""
    db.execute(
        "UPDATE work_order_links SET used_at = :now WHERE work_order_id = :order AND used_at IS NULL "
        f"AND action IN ({', '.join(f':action{i}' for i in range(len(actions)))})",
        {"now": now, "order": order_id, **{f"action{i}": action for i, action in enumerate(actions)}},
    )
