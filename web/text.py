"""The pages' words: English here, keyed by what they are for; the key is the message's
context in the catalogue (config/locale), so one English word can be two Chinese ones."""

from wastewatch.config.i18n import pgettext

WORDS = {
    "title": "Work order",
    "acknowledge": "Acknowledge",
    "done": "Report done",
    "order": "Work order",
    "site": "Site",
    "kind": "Kind",
    "summary": "Subject",
    "state": "State",
    "acknowledge_by": "Acknowledge by",
    "repair_by": "Done by",
    "overdue": "overdue",
    "name": "Your name",
    "note": "What was done",
    "note_hint": "what you did, what you replaced, what you found",
    "photos": "Photos",
    "photos_hint": "up to {n}, {mb} MB each (JPEG, PNG, WebP)",
    "visited": "Visited at",
    "checklist": "Checklist",
    "yes": "yes",
    "no": "no",
    "na": "n/a",
    "confirm_acknowledge": "Acknowledge",
    "confirm_done": "Send the report",
    "acknowledged": "Acknowledged. When the work is done, use the 'Report done' link in the email.",
    "reported": "Report sent; an operator verifies and closes the order. Thank you!",
    "photos_saved": "{n} photos saved.",
    "error": "This link cannot be used",
    "err_missing": "The link is incomplete (no signature). Open it again from the email.",
    "err_tampered": "The link is not valid: its signature does not match. Open it again from the email.",
    "err_unknown": "The link is not valid: no such link was issued.",
    "err_wrong_order": "The link belongs to another work order.",
    "err_wrong_action": "The link is for another action.",
    "err_expired": "The link has expired. Tomorrow's digest email brings fresh links, or ask an operator.",
    "err_used": "The link has been used already.",
    "err_state": "The work order is {state}; nothing to do here.",
    "err_too_large": "Too large: at most {n} photos of {mb} MB each.",
    "err_not_image": "'{name}' is not a supported image (JPEG, PNG, WebP).",
    "err_too_many": "At most {n} photos.",
    "err_checklist": "Please answer every checklist item.",
    "err_visited": "The visit time is not a valid time, or it is in the future.",
    "err_no_order": "No such work order.",
    "footer": "Wastewatch",
}


def words(locale: str) -> dict[str, str]:
    """Every word of the pages in `locale`."""
    return {key: pgettext(locale, key, message) for key, message in WORDS.items()}
