"""The desks in the Wagtail admin: centres, and who works at each centre's desk.

Administrators appoint desk staff here instead of in the shell (``appoint_desk_staff`` command). Every save
goes through the same service, so the role, its groups and the audit log come out exactly as they do there:
adding an appointment calls ``appoint_desk_staff``, editing one moves the person to another centre with the
same call, and deleting one calls ``dismiss_desk_staff`` (the person is a resident again).
"""

from django.utils.translation import gettext_lazy as _
from wagtail.admin.views import generic
from wagtail.admin.viewsets.base import ViewSetGroup
from wagtail.admin.viewsets.model import ModelViewSet

from . import services
from .forms import DeskStaffAppointForm, DeskStaffMoveForm
from .models import Centre, DeskStaff


class CentreViewSet(ModelViewSet):
    model = Centre
    icon = "home"
    menu_label = _("Centres")
    form_fields = ["name", "name_en", "area", "address"]
    list_display = ["name", "area"]


class DeskStaffIndexView(generic.IndexView):
    def get_base_queryset(self):
        return super().get_base_queryset().select_related("user", "centre")


class AppointDeskStaffView(generic.CreateView):
    def save_instance(self):
        data = self.form.cleaned_data
        return services.appoint_desk_staff(data["user"], centre=data["centre"], by=self.request.user)


class MoveDeskStaffView(generic.EditView):
    def save_instance(self):
        return services.appoint_desk_staff(
            self.object.user, centre=self.form.cleaned_data["centre"], by=self.request.user
        )


class DismissDeskStaffView(generic.DeleteView):
    def delete_action(self):
        services.dismiss_desk_staff(self.object, by=self.request.user)


class DeskStaffViewSet(ModelViewSet):
    """Who works at which centre's desk. One centre per person: editing an appointment moves them."""

    model = DeskStaff
    icon = "group"
    menu_label = _("Desk staff")
    index_view_class = DeskStaffIndexView
    add_view_class = AppointDeskStaffView
    edit_view_class = MoveDeskStaffView
    delete_view_class = DismissDeskStaffView
    list_display = ["user", "centre"]
    list_filter = ["centre"]
    inspect_view_enabled = False

    def get_form_class(self, for_update=False):
        return DeskStaffMoveForm if for_update else DeskStaffAppointForm


class DesksViewSetGroup(ViewSetGroup):
    """One "Desks" menu: the centres, and the staff at their desks."""

    menu_label = _("Desks")
    menu_icon = "home"
    menu_order = 170
    items = (CentreViewSet("centres"), DeskStaffViewSet("desk_staff"))
