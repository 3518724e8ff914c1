// Wagtail admin JavaScript strings whose Korean we supply ourselves (djangojs domain).
// The Python twin, livinglab/wagtail_terms.py, explains why: our LOCALE_PATHS catalogue is merged
// after Wagtail's in its /admin/jsi18n/ catalogue, and `makemessages -d djangojs` keeps only msgids it
// finds in our source. This file is never served or run; it only lists the msgids, spelled exactly as
// Wagtail spells them.
/* global gettext, ngettext */
export const WAGTAIL_JS_TERMS = [
  gettext('More actions'),
  gettext('Actions'),
  gettext('Delete error'),
  gettext('Save error'),
  gettext('Focus comment'),
  gettext('Unfocus comment'),
  gettext('Split block'),
  gettext('Reply'),
  gettext('Resolve'),
  gettext('Retry'),
  gettext('Toggle sidebar'),
  gettext('Toggle side panel'),
  gettext('Are you sure?'),
  gettext('A network error occurred.'),
  gettext('A server error occurred.'),
  gettext('Autosave in progress…'),
  gettext('Changes have been autosaved.'),
  gettext('Blocks'),
  gettext('Insert a block'),
  gettext('Search options…'),
  gettext('Toggle section'),
  gettext('Write something or type ‘/’ to insert a block'),
  gettext('Enter your comments...'),
  gettext('Enter your reply...'),
  gettext('Character count:'),
  gettext('Error while sending preview data.'),
  gettext('(New)'),
  gettext('(1 new item in this menu)'),
  gettext('(%(number)s new items in this menu)'),
  // The page editor: its error count and minimap, the content checks' reading time and readability, and the
  // side panel's width.
  ngettext('%(num)s error', '%(num)s errors', 1),
  ngettext('%(num)s min', '%(num)s mins', 1),
  ngettext('%(num)s pixel', '%(num)s pixels', 1),
  gettext('Complex'),
  gettext('Fair'),
  gettext('Good'),
];
