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

from django.utils.translation import gettext_noop, ngettext_lazy

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
    # The dashboard, and the keyboard shortcuts dialog on every admin page.
    gettext_noop("Keyboard shortcuts"),
    gettext_noop("Keyboard shortcuts are currently disabled; manage your %(account_link)s to enable them."),
    gettext_noop("Keyboard shortcuts are currently enabled; manage your %(account_link)s to disable them."),
    gettext_noop("account"),
    gettext_noop("All keyboard shortcuts"),
    gettext_noop("Section"),
    gettext_noop("Keyboard shortcut"),
    gettext_noop("Application"),
    gettext_noop("Show keyboard shortcuts"),
    gettext_noop("Toggle minimap"),
    gettext_noop("Close modal dialogs (like this one)"),
    gettext_noop("Add or show comments"),
    gettext_noop("Text editing"),
    gettext_noop("Paste and match style"),
    gettext_noop("Paste without formatting"),
    gettext_noop("Text formatting"),
    gettext_noop("Insert or edit a link"),
    gettext_noop("Monospace (code)"),
    gettext_noop("Strike-through"),
    gettext_noop("Wagtail %(current_version)s editor guide"),
    gettext_noop("What's new in Wagtail %(version)s"),
    gettext_noop("Close dialog"),
    gettext_noop("Search all pages…"),
    gettext_noop("Edit account avatar"),
    # The account page.
    gettext_noop("Use server language: %(language_name)s"),
    gettext_noop("admin theme"),
    gettext_noop("System default"),
    gettext_noop("Light"),
    gettext_noop("Dark"),
    gettext_noop("contrast"),
    gettext_noop("More contrast"),
    gettext_noop("Snug"),
    gettext_noop("Enable custom keyboard shortcuts specific to Wagtail."),
    gettext_noop(
        "Receive notification when comments have been created, resolved, or deleted on a page that you have subscribed to receive comment notifications on"
    ),
    gettext_noop("Actions (footer)"),
    # Listings, reports and their bulk actions.
    gettext_noop("Locked by"),
    gettext_noop("Anyone"),
    gettext_noop("Page types usage"),
    gettext_noop("Usage count"),
    gettext_noop("Usage count: (low to high)"),
    gettext_noop("Usage count: (high to low)"),
    gettext_noop("File size: (low to high)"),
    gettext_noop("File size: (high to low)"),
    gettext_noop("Title: (A -> Z)"),
    gettext_noop("Title: (Z -> A)"),
    gettext_noop("Minimum"),
    gettext_noop("Maximum"),
    gettext_noop("Grid layout"),
    gettext_noop("List layout"),
    gettext_noop("just now"),
    gettext_noop("Set active state"),
    gettext_noop("Change the active state for selected users"),
    gettext_noop("Assign role to selected users"),
    gettext_noop("Delete selected users"),
    gettext_noop("Delete selected images"),
    gettext_noop("Add selected images to collection"),
    gettext_noop("Add tags to the selected images"),
    gettext_noop("Delete selected snippets"),
    gettext_noop("Access level"),
    gettext_noop("Last login"),
    gettext_noop("Exploring"),
    gettext_noop("More options for '%(title)s'"),
    gettext_noop("Sort by '%(label)s' in ascending order."),
    gettext_noop("Sort by '%(label)s' in descending order."),
    gettext_noop("Save your changes before leaving"),
    gettext_noop("Toggle section"),
    gettext_noop("Side panel width"),
    # The page editor (add and edit): its footer, publishing schedule dialog, side panels and content checks.
    gettext_noop("Autosave is <span>paused</span>"),
    gettext_noop("Go to the first error"),
    gettext_noop("The page could not be saved due to validation errors."),
    gettext_noop("The page could not be created due to validation errors."),
    gettext_noop("Set publishing schedule"),
    gettext_noop("Save schedule"),
    gettext_noop("Choose when this page should go live and/or expire"),
    gettext_noop("Choose when this %(model_name)s should go live and/or expire"),
    gettext_noop('This publishing schedule will only take effect after you select the "Schedule to publish" option'),
    gettext_noop("Anyone with editing permissions can create schedules"),
    gettext_noop("But only those with publishing permissions can make them effective."),
    gettext_noop("Choose who can view the live version of this page"),
    gettext_noop("A network error occurred"),
    gettext_noop(
        "Troubleshoot your connection to the site before proceeding. "
        "Open the editor in a separate tab to view the last saved version."
    ),
    gettext_noop("View latest version"),
    gettext_noop("Correct the validation errors to resume preview (saving will highlight errors)"),
    gettext_noop("Minimap"),
    gettext_noop("To be created by %(user)s"),
    gettext_noop("Image is decorative"),
    gettext_noop("Show issue"),
    gettext_noop("This data explained"),
    gettext_noop("How we calculate our metrics"),
    gettext_noop(
        "We extract the main content from the page preview, remove all formatting, and calculate the number of words."
    ),
    gettext_noop("We calculate reading time from word count, using different reading speeds for different languages."),
    gettext_noop(
        "We use a readability formula based on length of words and sentences. "
        "Long sentences and words result in a worse readability score."
    ),
    gettext_noop(
        'See our <a href="%(guide_link)s" target="_blank">content checks guide</a> '
        "for more information on how content metrics are calculated."
    ),
    # The content checks' rule names and hints (Wagtail's userbar hands them to the checks panel as JSON).
    gettext_noop("Button text is empty"),
    gettext_noop("Use meaningful text for screen reader users"),
    gettext_noop("Empty heading found"),
    gettext_noop("Table header text is empty"),
    gettext_noop("Empty frame title found"),
    gettext_noop("Use a meaningful title for screen reader users"),
    gettext_noop("Incorrect heading hierarchy"),
    gettext_noop("Avoid skipping levels"),
    gettext_noop("Input button text is empty"),
    gettext_noop("Link text is empty"),
    gettext_noop("Misusing paragraphs as headings"),
    gettext_noop("Use proper heading tags"),
    gettext_noop("Image alt text has inappropriate pattern"),
    gettext_noop("Use meaningful text"),
    gettext_noop("Meta description is empty"),
    gettext_noop("Add a concise description for search engines"),
)

# The dashboard's site summary ("3 Pages") has plural msgids, which xgettext keeps through ``ngettext_lazy``.
# Each proxy reads as its singular form.
PLURAL_TERMS = (
    ngettext_lazy(
        '%(total)s Page <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Pages <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
    ngettext_lazy(
        '%(total)s Image <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Images <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
    ngettext_lazy(
        '%(total)s Document <span class="w-sr-only">created in %(site_name)s</span>',
        '%(total)s Documents <span class="w-sr-only">created in %(site_name)s</span>',
        1,
    ),
)

# The page editor's usage side panel ("Referenced 3 times").
EDITOR_PLURAL_TERMS = (ngettext_lazy("Referenced %(count)s time", "Referenced %(count)s times", 1),)

OVERRIDDEN_TERMS = CORRECTED_TERMS + MISSING_TERMS
