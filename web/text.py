"""The pages' words: English here, keyed by what they are for; the key is the message's
context in the catalogue (config/locale), so one English word can be two Chinese ones."""

from wastewatch.config.i18n import NP_, pgettext

WORDS = {
    "title": NP_("title", "Work order"),
    "acknowledge": NP_("acknowledge", "Acknowledge"),
    "done": NP_("done", "Report done"),
    "order": NP_("order", "Work order"),
    "site": NP_("site", "Site"),
    "kind": NP_("kind", "Kind"),
    "summary": NP_("summary", "Subject"),
    "state": NP_("state", "State"),
    "acknowledge_by": NP_("acknowledge_by", "Acknowledge by"),
    "repair_by": NP_("repair_by", "Done by"),
    "overdue": NP_("overdue", "overdue"),
    "name": NP_("name", "Your name (optional)"),
    "name_hint": NP_(
        "name_hint", "Recorded in the order's history beside your company, so the operators know whom to ask."
    ),
    "note": NP_("note", "What was done"),
    "note_hint": NP_("note_hint", "what you did, what you replaced, what you found"),
    "photos": NP_("photos", "Photos"),
    "photos_hint": NP_("photos_hint", "up to {n}, {mb} MB each (JPEG, PNG, WebP)"),
    "visited": NP_("visited", "Visited at"),
    "checklist": NP_("checklist", "Checklist"),
    "yes": NP_("yes", "yes"),
    "no": NP_("no", "no"),
    "na": NP_("na", "n/a"),
    "confirm_acknowledge": NP_("confirm_acknowledge", "Acknowledge"),
    "confirm_done": NP_("confirm_done", "Send the report"),
    "acknowledged": NP_(
        "acknowledged", "Acknowledged. When the work is done, use the 'Report done' link in the email."
    ),
    "reported": NP_("reported", "Report sent; an operator verifies and closes the order. Thank you!"),
    "photos_saved": NP_("photos_saved", "{n} photos saved."),
    "error": NP_("error", "This link cannot be used"),
    "err_missing": NP_("err_missing", "The link is incomplete (no signature). Open it again from the email."),
    "err_tampered": NP_(
        "err_tampered", "The link is not valid: its signature does not match. Open it again from the email."
    ),
    "err_unknown": NP_("err_unknown", "The link is not valid: no such link was issued."),
    "err_wrong_order": NP_("err_wrong_order", "The link belongs to another work order."),
    "err_wrong_action": NP_("err_wrong_action", "The link is for another action."),
    "err_expired": NP_(
        "err_expired", "The link has expired. Tomorrow's digest email brings fresh links, or ask an operator."
    ),
    "err_used": NP_("err_used", "The link has been used already."),
    "err_state": NP_("err_state", "The work order is {state}; nothing to do here."),
    "err_too_large": NP_("err_too_large", "Too large: at most {n} photos of {mb} MB each."),
    "err_not_image": NP_("err_not_image", "'{name}' is not a supported image (JPEG, PNG, WebP)."),
    "err_too_many": NP_("err_too_many", "At most {n} photos."),
    "err_checklist": NP_("err_checklist", "Please answer every checklist item."),
    "err_visited": NP_("err_visited", "The visit time is not a valid time, or it is in the future."),
    "err_no_order": NP_("err_no_order", "No such work order."),
    "err_closed": NP_("err_closed", "This work order was verified and closed on {at}; nothing more to do."),
    "err_cancelled": NP_("err_cancelled", "This work order was cancelled on {at}; nothing more to do."),
    "err_reported_already": NP_(
        "err_reported_already", "This work order was reported done on {at}; an operator verifies it next."
    ),
    "err_acknowledged_already": NP_(
        "err_acknowledged_already",
        "This work order was acknowledged on {at}. When the work is done, report it with the 'Report done' link.",
    ),
    "ack_note": NP_("ack_note", "Note (optional)"),
    "ack_note_hint": NP_("ack_note_hint", "when you expect to be there, who is going"),
    "footer": NP_("footer", "Wastewatch"),
    "plate_title": NP_("plate_title", "Site plate"),
    "plate_current": NP_("plate_current", "In use (no. {serial})"),
    "plate_retired": NP_(
        "plate_retired", "Retired on {at} (no. {serial}): a check-in with it does not count"
    ),
    "plate_unknown": NP_("plate_unknown", "This code is not a site plate of this service."),
    "plate_hint": NP_(
        "plate_hint",
        "O&M staff: open the work order on your phone and press 'Check in at the site' to scan it.",
    ),
    "received_already": NP_("received_already", "This report was received on {at}; nothing more to send."),
    "checkin": NP_("checkin", "Check in at the site"),
    "checkin_hint": NP_(
        "checkin_hint",
        "At the plant: scan the site's plate with the camera; the phone's position is recorded too.",
    ),
    "checkin_scan": NP_("checkin_scan", "Point the camera at the plate's QR code"),
    "checkin_no_plate": NP_("checkin_no_plate", "The plate is missing or cannot be read"),
    "checkin_sending": NP_("checkin_sending", "Recording the check-in…"),
    "checkin_done": NP_("checkin_done", "Checked in at {at}"),
    "checkin_camera": NP_("checkin_camera", "The camera cannot be opened; check in without the plate below."),
    "checkin_failed": NP_("checkin_failed", "The check-in was not recorded: {error}"),
    "checkin_queued": NP_(
        "checkin_queued", "No signal: the check-in is kept on this phone and sent when it is online again."
    ),
    "outbox": NP_("outbox", "Waiting to be sent from this phone"),
    "outbox_waiting": NP_("outbox_waiting", "{label}, made {at}"),
    "outbox_saved": NP_(
        "outbox_saved", "No signal: kept on this phone. It is sent by itself when the phone is online again."
    ),
    "outbox_sent": NP_("outbox_sent", "{label}: sent and received."),
    "outbox_refused": NP_(
        "outbox_refused", "{label}: not accepted (HTTP {status}); open the order to see why."
    ),
    "outbox_login": NP_("outbox_login", "Sign in again to send what waits on this phone."),
    "checkin_noscript": NP_(
        "checkin_noscript", "Checking in needs the page's scripts; the report can be sent without."
    ),
}


def words(locale: str) -> dict[str, str]:
    """Every word of the pages in `locale`."""
    return {key: pgettext(locale, key, message) for key, message in WORDS.items()}
