"""Admin wiring for the desk: centres are edited in the Wagtail admin; the audit log names the desk's actions."""

from django.utils.translation import gettext_lazy as _
from wagtail import hooks
from wagtail.admin.viewsets.model import ModelViewSet

from .models import Centre

LOG_ACTIONS = [
    ("livinglab.desk.appoint", _("Appoint desk staff"), _("Made desk staff at a centre")),
    ("livinglab.desk.register", _("Register a resident at a desk"), _("Registered at a desk, consent on paper")),
    ("livinglab.desk.news_choice", _("Record a resident's choice of messages"), _("Choice of messages recorded")),
    ("livinglab.desk.claim_code_issued", _("Issue a hand-over letter"), _("Hand-over letter printed")),
    ("livinglab.desk.claim_refused", _("Refuse an account claim"), _("Account claim refused")),
    ("livinglab.desk.claimed", _("Claim an account"), _("Account taken over by the resident")),
    ("livinglab.desk.population", _("Set population figures"), _("Population figures changed")),
]


@hooks.register("register_log_actions")
def register_desk_log_actions(actions):
    for action, label, message in LOG_ACTIONS:
        actions.register_action(action, label, message)


class CentreViewSet(ModelViewSet):
    model = Centre
    icon = "home"
    menu_label = _("Centres")
    add_to_admin_menu = True
    form_fields = ["name", "name_en", "area", "address"]
    list_display = ["name", "area"]


@hooks.register("register_admin_viewset")
def register_centre_viewset():
    return CentreViewSet("centres")
