"""Ways a message leaves: SMTP (email.py), the WeCom and DingTalk group robots (wecom.py,
dingtalk.py) and signed webhooks (webhook.py). Each delivers one rendered message and answers
the same way: it returns when the far side has taken it, or raises TransportError saying
whether trying again can help and, when the far side said so, after how long."""


class TransportError(Exception):
    """A failed delivery. `permanent`: retrying the same message cannot help (a refusal of the
    message, a wrong key or secret). `retry_after`: seconds the far side asked us to wait."""

    def __init__(self, message: str, permanent: bool = False, retry_after: float | None = None):
        super().__init__(message)
        self.permanent = permanent
        self.retry_after = retry_after
