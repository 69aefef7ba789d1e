"""The audit log's action codes as the words people read."""

from wastewatch.config.i18n import NP_, translations

# The audit log's codes as words (a denied request shows its method and path as they were).
AUDIT = {
    "login": NP_("audit", "sign in"),
    "logout": NP_("audit", "sign out"),
    "user.add": NP_("audit", "add user"),
    "user.disable": NP_("audit", "disable user"),
    "user.enable": NP_("audit", "enable user"),
    "user.reset": NP_("audit", "new password"),
    "user.reset-password": NP_("audit", "new password"),
    "user.set-role": NP_("audit", "change role"),
    "order.new": NP_("audit", "open order"),
    "account.locale": NP_("audit", "change language"),
    "report.draft": NP_("audit", "build this month's report"),
    "order.assign": NP_("audit", "reassign order"),
    "order.acknowledge": NP_("audit", "acknowledge order"),
    "order.done": NP_("audit", "report order done"),
    "window.add": NP_("audit", "register window"),
    "window.end": NP_("audit", "end window"),
    "channel.test": NP_("audit", "send a test message"),
    "api.read": NP_("audit", "read through the API"),
    "api.token.create": NP_("audit", "make an API token"),
    "api.token.revoke": NP_("audit", "revoke an API token"),
    "plate.issue": NP_("audit", "issue a site plate"),
    "visit.checkin": NP_("audit", "check in at a site"),
    "alert.ack": NP_("audit", "acknowledge alert"),
    "alert.resolve": NP_("audit", "resolve alert"),
    "order.verify": NP_("audit", "verify order"),
    "order.reopen": NP_("audit", "reopen order"),
    "order.cancel": NP_("audit", "cancel order"),
    "ok": NP_("audit", "done"),
    "failed": NP_("audit", "failed"),
    "denied": NP_("audit", "refused"),
    "throttled": NP_("audit", "too many failed sign-ins or calls"),
    "csrf": NP_("audit", "security token missing or wrong"),
    "forbidden": NP_("audit", "role not allowed"),
}


def audit_word(locale: str, code: str) -> str:
    return translations(locale).pgettext("audit", AUDIT[code]) if code in AUDIT else code
