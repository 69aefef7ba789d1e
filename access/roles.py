"""The four roles and what each may do: one table, checked on every console route.

admin       users and everything else
operator    acts on alerts, work orders, maintenance windows and reports
regulator   reads everything and downloads reports and the 通报 list; changes nothing
contractor  its own company's work orders: acknowledge, report done, the list of what it owes;
            its sites' laboratory results; proposing a data review

An account may be limited to some towns: it sees only their sites (and acts only on them).
"""

from wastewatch.config.i18n import N_

ROLES = ("admin", "operator", "regulator", "contractor")
ROLE_LABELS = {
    "admin": N_("administrator"),
    "operator": N_("operator"),
    "regulator": N_("regulator"),
    "contractor": N_("contractor"),
}

# What a request asks to do → the roles allowed to.
PERMISSIONS: dict[str, frozenset[str]] = {
    "view": frozenset({"admin", "operator", "regulator"}),  # overview, sites, alerts, orders, reports
    "alert.act": frozenset({"admin", "operator"}),  # acknowledge, resolve
    "order.act": frozenset({"admin", "operator"}),  # open, verify, reopen, cancel, reassign
    "window.act": frozenset({"admin", "operator"}),  # add, end
    "report.build": frozenset({"admin", "operator"}),
    "order.own": frozenset({"contractor"}),  # its company's orders: list, acknowledge, done
    "audit.view": frozenset({"admin", "regulator"}),
    "users.manage": frozenset({"admin"}),
    "channels.manage": frozenset({"admin"}),  # the chat groups: their state, a test message
    "forward.view": frozenset({"admin", "operator", "regulator"}),  # upper platforms' state per site
    "plates.manage": frozenset({"admin", "operator"}),  # a site's QR plate issued, reissued, printed
    # Laboratory results: a contractor sees and fills in its own sites' samples.
    "lab.view": frozenset({"admin", "operator", "regulator", "contractor"}),
    "lab.enter": frozenset({"admin", "operator", "contractor"}),  # results, corrections, the report's file
    "lab.import": frozenset({"admin", "operator"}),  # a laboratory's sheet, a spot check recorded
    # Data review: operators mark spans invalid and decide on contractors' proposals.
    "review.view": frozenset({"admin", "operator", "regulator", "contractor"}),
    "review.act": frozenset({"admin", "operator"}),
    "review.propose": frozenset({"contractor"}),
    # The read API (/api/v1/): sites, readings, orders, samples and reviews for every role, a
    # contractor's token seeing its company's sites; alerts, windows and reports take "view".
    "api.read": frozenset(ROLES),
    "account": frozenset(ROLES),  # one's own account: its language
    "help": frozenset(ROLES),  # the guide (web/help/)
}


def allowed(role: str, action: str) -> bool:
    """Whether the role may do the action; an action nobody listed is nobody's."""
    return role in PERMISSIONS.get(action, frozenset())
