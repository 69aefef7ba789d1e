"""The operator's desk: a village site under the real rules, the contractor's pages on a real
uvicorn server, a real SMTP server, and the clock in the test's hands."""

import io
import re

import httpx
from PIL import Image

from tests.alerts.harness import Harness
from wastewatch.maintenance.reaction import changing
from wastewatch.maintenance.sla import Sweep
from wastewatch.notify.outbox import Sender
from wastewatch.web.server import WebServer

BUREAU = '[bureau]\nname = "天全县生态环境局"\nemails = ["jianguan@tqhb.example.cn"]\n'
LINK = re.compile(r"http://\S+/wo/(WO-\d{6}-\d{4})/(acknowledge|done)\?t=\S+")


class Desk(Harness):
    def __init__(self, config_path, mail, pages: bool = True):
        super().__init__(config_path)
        self.mail = mail
        self.web = WebServer(self.config, self.clock) if pages else None
        if self.web:
            self.web.start()
        self.http = httpx.Client(timeout=10)

    def at(self, seconds: int) -> None:
        from tests.alerts.harness import T0

        self.clock.now = T0 + seconds

    def sweep(self, at: int):
        self.at(at)
        return Sweep(self.ctx).run(self.clock.now)

    def send(self) -> tuple[int, int]:
        return Sender(self.config, self.ctx.db).run_once()

    def act(self, action, *args):
        """An operator's action through the same functions the CLI calls."""
        with changing(self.ctx):
            return action(self.ctx, *args, self.clock.now)

    def order(self, order_id: str):
        return self.ctx.db.execute("SELECT * FROM work_orders WHERE id = :id", {"id": order_id}).fetchone()

    def history(self, order_id: str) -> list[tuple]:
        return [
            (t["old_state"], t["new_state"], t["actor"])
            for t in self.ctx.db.execute(
                "SELECT * FROM work_order_transitions WHERE work_order_id = :id ORDER BY id", {"id": order_id}
            )
        ]

    def emails(self, subject_part: str = ""):
        """Received (recipients, message) whose subject contains subject_part."""
        return [(r, m) for r, m in self.mail.messages if subject_part in str(m["Subject"])]

    def stop(self) -> None:
        self.http.close()
        if self.web:
            self.web.stop()
        self.close()


def links(message) -> dict[str, str]:
    """{action: url} from an email's text part."""
    text = message.get_body(("plain",)).get_content()
    return {match[2]: match[0] for match in LINK.finditer(text)}


def text(message) -> str:
    return message.get_body(("plain",)).get_content()


def photo(size=(64, 48), kind: str = "PNG", noise: bool = False) -> bytes:
    image = Image.effect_noise(size, 80).convert("RGB") if noise else Image.new("RGB", size, (30, 120, 200))
    out = io.BytesIO()
    image.save(out, kind)
    return out.getvalue()
