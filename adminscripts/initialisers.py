"""How the Wagtail admin's widgets start without inline scripts.

Wagtail 8.0 starts InlinePanels, choosers and date pickers with an inline ``<script>`` holding one call, such as
``new ImageChooser("id_image", {"modalUrl": "/admin/images/chooser/"})``. Under the site's policy
(``script-src 'self'`` plus the request's nonce) the browser refuses them. Here each call becomes data instead:

    <script type="application/json" data-admin-init="ImageChooser">["id_image", {"modalUrl": "…"}]</script>

A ``type="application/json"`` script is never run (not by the browser, not by jQuery when Wagtail inserts a new
InlinePanel child), so the policy has nothing to refuse. ``adminscripts/admin-init.js``, a static file loaded on
every admin page, makes the call: the name must be one of ``INITIALISERS`` (a fixed table in that file, mirrored
below) and the arguments are whatever ``JSON.parse`` gives, so data can never become code. HTML planted in the
admin's output (if escaping ever failed) could at most start one more Wagtail widget; a planted ``<script>`` has
no nonce and stays blocked.
"""

import json

from django.utils.safestring import SafeString, mark_safe
from wagtail.admin.widgets import BaseChooser
from wagtail.admin.widgets.workflows import AdminTaskChooser

# The Wagtail initialisers admin-init.js may call; tests/adminscripts check that the two lists agree.
INITIALISERS = frozenset(
    {
        "InlinePanel",
        "MultipleChooserPanel",
        "initDateChooser",
        "initTimeChooser",
        "initDateTimeChooser",
        "Chooser",
        "PageChooser",
        "ImageChooser",
        "DocumentChooser",
        "SnippetChooser",
        "createTaskChooser",
    }
)

# Inside <script> only "</script" and "<!--" can end or confuse the element; escaping <, > and & (as
# django.utils.html.json_script does) rules both out, and JSON.parse reads the escapes back.
_SCRIPT_SAFE = {ord("<"): "\\u003C", ord(">"): "\\u003E", ord("&"): "\\u0026"}


def init_block(initialiser: str, *args) -> SafeString:
    """The data that makes admin-init.js call ``initialiser(*args)`` (or ``new initialiser(*args)``)."""
    if initialiser not in INITIALISERS:
        raise ValueError(f"admin-init.js does not know the initialiser {initialiser!r}")
    data = json.dumps(list(args)).translate(_SCRIPT_SAFE)
    return mark_safe(f'<script type="application/json" data-admin-init="{initialiser}">{data}</script>')  # noqa: S308 - a known name, escaped JSON


def chooser_initialiser(widget: BaseChooser, id_: str, name: str, value_data) -> tuple[str, list] | None:
    """The initialiser and arguments Wagtail's ``render_js_init`` would write for this chooser, or None."""
    js_init = type(widget).render_js_init
    if js_init is BaseChooser.render_js_init and widget.js_constructor in INITIALISERS:
        return widget.js_constructor, [id_, widget.get_js_init_options(id_, name, value_data)]
    if js_init is AdminTaskChooser.render_js_init:
        return "createTaskChooser", [id_]
    return None


_wagtail_render = BaseChooser.render


def render_chooser(self: BaseChooser, name, value, attrs=None, renderer=None):
    """``BaseChooser.render`` with the start-up call as data (Wagtail's own appends an inline script)."""
    try:
        id_ = attrs["id"]
    except (KeyError, TypeError):
        return _wagtail_render(self, name, value, attrs, renderer)  # Wagtail raises its own error
    value_data = self.get_value_data(value)
    initialiser = chooser_initialiser(self, id_, name, value_data)
    if initialiser is None:
        # A chooser with its own start-up code: Wagtail's inline script, which the policy blocks and the admin walk
        # in tests/browser/test_csp.py reports, rather than a guess at what that code does.
        return _wagtail_render(self, name, value, attrs, renderer)
    constructor, args = initialiser
    return mark_safe(self.render_html(name, value_data, attrs) + init_block(constructor, *args))  # noqa: S308 - both escaped


def start_choosers_without_inline_scripts() -> None:
    """Wagtail writes a chooser's inline script in Python (no template to override), so its render is replaced."""
    BaseChooser.render = render_chooser
