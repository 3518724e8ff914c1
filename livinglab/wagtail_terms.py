"""Wagtail admin strings whose Korean we supply ourselves.

Wagtail's own Korean catalogue leaves some admin strings untranslated ("Autosave is paused",
"Confirm selection") and renders others oddly ("더 많은 움직임" for "More actions", "대부분의
움직임" for "Bulk actions", "리포트" for "Reports"). Our ``LOCALE_PATHS`` catalogue is merged
after every installed app's, so a msgid translated in ``locale/ko/LC_MESSAGES/django.po`` wins over
Wagtail's. ``makemessages`` only keeps msgids it finds in our source and marks the rest obsolete,
so this module lists the overridden msgids, spelled exactly as Wagtail spells them, to keep the
overrides in the catalogue. Nothing imports these values at run time.

Wagtail's "Reports" menu becomes 보고서; our own abuse reports keep 신고 under the msgid
"Abuse reports", so the two menus no longer share a name.
"""

from django.utils.translation import gettext_noop

# Wagtail translations that read wrong to a Korean administrator.
CORRECTED_TERMS = (
    gettext_noop("More actions"),
    gettext_noop("Bulk actions"),
    gettext_noop("Go back"),
    gettext_noop("Reports"),
    gettext_noop("Apply filters"),
    gettext_noop("Sort menu order"),
    gettext_noop("Submit for moderation"),
    gettext_noop("Site history"),
    gettext_noop("Actions"),
    gettext_noop("Tasks"),
    gettext_noop("Workflow"),
    gettext_noop("Workflows"),
    gettext_noop("Workflow history"),
    gettext_noop("Live"),
    gettext_noop("View live"),
    gettext_noop("Inspect"),
    gettext_noop("Type"),
    gettext_noop("Locked"),
    # The title of Wagtail's "add page" view ("New: Challenge page"); our notification badge says "New" in its
    # own context, so the two no longer share one Korean word.
    gettext_noop("New"),
)

# Wagtail admin strings its Korean catalogue leaves in English, on screens used daily.
MISSING_TERMS = (
    gettext_noop("Autosave is paused"),
    gettext_noop("Saved"),
    gettext_noop("Confirm selection"),
    gettext_noop("Choose another"),
    gettext_noop("There are no results."),
    gettext_noop("Show filters"),
    gettext_noop("Filter by"),
    gettext_noop("Page type"),
    gettext_noop("Date updated"),
    gettext_noop("Edited by"),
    gettext_noop("Has child pages"),
    gettext_noop("Any"),
    gettext_noop("Search the whole site"),
    gettext_noop("No results across entire site."),
    gettext_noop("Schedule to publish"),
    gettext_noop("Scheduling…"),
    gettext_noop("Set schedule"),
    gettext_noop("Edit schedule"),
    gettext_noop("No publishing schedule set"),
    gettext_noop("Status: "),
    gettext_noop("Locking: "),
    gettext_noop("Anyone can edit this %(model_name)s"),
    gettext_noop("Preview in new tab"),
    gettext_noop("Preview is out of date"),
    gettext_noop("Refreshing…"),
    gettext_noop("Loading"),
    gettext_noop("Side panels"),
    gettext_noop("Checks"),
    gettext_noop("Toggle checks"),
    gettext_noop("Content metrics"),
    gettext_noop("Words"),
    gettext_noop("Reading time"),
    gettext_noop("Readability"),
    gettext_noop("Issues found"),
    gettext_noop("Disabled"),
    gettext_noop("Show disabled"),
    gettext_noop("Your pages and snippets in a workflow"),
    gettext_noop("New: %(model_name)s"),
    gettext_noop("Page/Snippet"),
    gettext_noop("By task"),
    gettext_noop("By workflow"),
    gettext_noop("Privacy and access"),
    gettext_noop("Enable custom ordering"),
    gettext_noop("Disable custom ordering"),
)

OVERRIDDEN_TERMS = CORRECTED_TERMS + MISSING_TERMS
