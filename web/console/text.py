"""The console's words: English here, keyed by what they are for; the key is the message's
context in the catalogue, as for the contractors' pages (web/text.py)."""

from wastewatch.config.i18n import NP_, pgettext, translations

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
    "alerts": NP_("alerts", "Alerts"),
    "alert": NP_("alert", "Alert"),
    "filter": NP_("filter", "Filter"),
    "severity": NP_("severity", "Severity"),
    "rule": NP_("rule", "Problem"),
    "any": NP_("any", "any"),
    "value": NP_("value", "Value"),
    "limit": NP_("limit", "Limit"),
    "since": NP_("since", "Since"),
    "last": NP_("last", "Latest"),
    "resolved_at": NP_("resolved_at", "Resolved"),
    "kind": NP_("kind", "Kind"),
    "history": NP_("history", "History"),
    "note": NP_("note", "Note"),
    "acknowledge": NP_("acknowledge", "Acknowledge (stops reminders)"),
    "resolve": NP_("resolve", "Resolve by hand (note required)"),
    "linked_order": NP_("linked_order", "Work order"),
    "more": NP_("more", "{n} more not shown; narrow the filter."),
    "state_open": NP_("state_open", "open"),
    "state_firing": NP_("state_firing", "firing"),
    "state_acknowledged": NP_("state_acknowledged", "acknowledged"),
    "state_resolved": NP_("state_resolved", "resolved"),
    "state_all": NP_("state_all", "all"),
    "denied_missing": NP_("denied_missing", "There is no such page, or it is not in your towns."),
}


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
    "ok": NP_("audit", "done"),
    "failed": NP_("audit", "failed"),
    "denied": NP_("audit", "refused"),
    "throttled": NP_("audit", "too many failed sign-ins"),
    "csrf": NP_("audit", "security token missing or wrong"),
    "forbidden": NP_("audit", "role not allowed"),
}


def audit_word(locale: str, code: str) -> str:
    return translations(locale).pgettext("audit", AUDIT[code]) if code in AUDIT else code


def words(locale: str) -> dict[str, str]:
    return {key: pgettext(locale, key, message) for key, message in WORDS.items()}
