"""The console's words: English here, keyed by what they are for; the key is the message's
context in the catalogue, as for the contractors' pages (web/text.py)."""

from wastewatch.config.i18n import NP_, pgettext

WORDS = {
    "console": NP_("console", "Wastewatch console"),
    "overview": NP_("overview", "Overview"),
    "audit": NP_("audit", "Audit log"),
    "users": NP_("users", "Users"),
    "login": NP_("login", "Sign in"),
    "logout": NP_("logout", "Sign out"),
    "username": NP_("username", "Username"),
    "password": NP_("password", "Password"),
    "login_failed": NP_("login_failed", "Wrong username or password, or the account is disabled."),
    "login_throttled": NP_(
        "login_throttled",
        "Too many failed sign-ins for this account or from this address; try again in {minutes} minutes.",
    ),
    "login_expired": NP_("login_expired", "The sign-in form had expired; please try again."),
    "denied": NP_("denied", "Not allowed"),
    "denied_forbidden": NP_("denied_forbidden", "Your account's role may not do this."),
    "denied_csrf": NP_(
        "denied_csrf",
        "The form did not come from this console (its security token is missing or wrong). Reopen the page.",
    ),
    "sites": NP_("sites", "Sites"),
    "open_alerts": NP_("open_alerts", "Open alerts"),
    "critical": NP_("critical", "critical"),
    "warning": NP_("warning", "warning"),
    "info": NP_("info", "info"),
    "orders_in_play": NP_("orders_in_play", "Work orders in play"),
    "overdue": NP_("overdue", "overdue"),
    "in_maintenance": NP_("in_maintenance", "Sites in a maintenance window"),
    "when": NP_("when", "When"),
    "who": NP_("who", "Who"),
    "what": NP_("what", "What"),
    "target": NP_("target", "On"),
    "from": NP_("from", "From"),
    "outcome": NP_("outcome", "Outcome"),
    "role": NP_("role", "Role"),
    "name": NP_("name", "Name"),
    "towns": NP_("towns", "Towns"),
    "all_towns": NP_("all_towns", "all towns"),
    "state": NP_("state", "State"),
    "enabled": NP_("enabled", "active"),
    "disabled": NP_("disabled", "disabled"),
    "add_user": NP_("add_user", "Add a user"),
    "contractor": NP_("contractor", "Contractor (for contractor accounts)"),
    "add": NP_("add", "Add"),
    "disable": NP_("disable", "Disable"),
    "enable": NP_("enable", "Enable"),
    "reset_password": NP_("reset_password", "New password"),
    "new_password": NP_("new_password", "Password for {user}, shown once: {password}"),
    "added": NP_("added", "User {user} added."),
    "changed": NP_("changed", "User {user} changed."),
    "your_orders": NP_("your_orders", "Your company's work orders"),
    "order": NP_("order", "Work order"),
    "site": NP_("site", "Site"),
    "summary": NP_("summary", "Subject"),
    "repair_by": NP_("repair_by", "Done by"),
    "none": NP_("none", "None."),
}


def words(locale: str) -> dict[str, str]:
    return {key: pgettext(locale, key, message) for key, message in WORDS.items()}
