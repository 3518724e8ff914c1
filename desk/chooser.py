"""The admin's person chooser for appointing desk staff: search the people who can be appointed, pick one.

A district has thousands of accounts; a dropdown of all of them cannot be used. The chooser is Wagtail's own
(``ChooserViewSet``): a modal with a search box that finds a person by part of their name, their e-mail address
or their mobile number (typed any way: 010-2345-6789 finds +821023456789), twenty at a time.

It lists only ``appointable_users()`` (the same people the appointment form accepts), and only to those who
may appoint desk staff (``desk.appoint_staff``): Wagtail's chooser views check nothing but admin access, and this
one lists people's names and addresses.
"""

import contextlib

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _
from wagtail.admin.forms.choosers import BaseFilterForm
from wagtail.admin.ui.tables import Column
from wagtail.admin.views.generic.chooser import (
    ChooseResultsView,
    ChooseView,
    ChosenMultipleView,
    ChosenView,
    CreateView,
)
from wagtail.admin.viewsets.chooser import ChooserViewSet
from wagtail.admin.widgets.chooser import BaseChooser

from accounts.models import Role, User
from accounts.phone import national_format, normalize_korean_mobile
from proposals.rules import can


def appointable_users():
    """Whom an administrator can make desk staff: active, not erased residents without a desk already.

    Not administrators, moderators or experts (appointing would take their role away; change it in the user
    admin first), not superusers, and not accounts a desk registered that nobody has claimed yet (a resident
    with a placeholder address is helped at the desk; they do not work there).
    """
    return (
        User.objects.filter(is_active=True, erased_at__isnull=True, is_superuser=False, role=Role.RESIDENT)
        .filter(desk_membership__isnull=True)
        .exclude(desk_registration__isnull=False, desk_registration__claimed_at__isnull=True)
        .order_by("display_name", "email")
    )


def appointee_label(user) -> str:
    """How a person is named in the chooser and on the form: name and address, since names repeat."""
    contact = user.email or (national_format(user.phone) if user.phone else "")
    return f"{user.display_name} <{contact}>" if contact else user.display_name


def people_matching(objects, query: str):
    """``objects`` whose name or e-mail address contains ``query``, or whose mobile number is ``query``."""
    condition = Q(display_name__icontains=query) | Q(email__icontains=query)
    # Not a mobile number: only the name and the address are searched.
    with contextlib.suppress(ValidationError):
        condition |= Q(phone=normalize_korean_mobile(query))
    return objects.filter(condition)


class AppointeeFilterForm(BaseFilterForm):
    q = forms.CharField(
        label=_("Search term"),
        widget=forms.TextInput(attrs={"placeholder": _("Name, e-mail address or mobile number")}),
        required=False,
        max_length=100,
    )

    def filter(self, objects):
        objects = super().filter(objects)
        query = (self.cleaned_data.get("q") or "").strip()
        if query:
            objects = people_matching(objects, query)
            self.is_searching = True
            self.search_query = query
        return objects


class MayAppointMixin:
    def dispatch(self, request, *args, **kwargs):
        if not can(request.user, "desk.appoint_staff"):
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)


class AppointeeChooseMixin(MayAppointMixin):
    filter_form_class = AppointeeFilterForm

    def get_object_list(self):
        return appointable_users().select_related("home_area")

    @property
    def columns(self):
        # Names repeat (a district has many Kim Minji): the address and the number tell people apart.
        name = self.title_column
        name.label = _("Name")
        return [
            name,
            Column("email", label=_("E-mail address"), accessor="email"),
            Column("phone", label=_("Mobile phone"), accessor=lambda user: national_format(user.phone or "")),
            Column("home_area", label=_("Neighbourhood"), accessor="home_area"),
        ]


class AppointeeChooseView(AppointeeChooseMixin, ChooseView):
    pass


class AppointeeChooseResultsView(AppointeeChooseMixin, ChooseResultsView):
    pass


class AppointeeChosenView(MayAppointMixin, ChosenView):
    # Wagtail's looks the id up among all users: a guessed id would name anyone (an administrator, an erased
    # account) to the page. Only the people the form accepts can be chosen.
    def get_object(self, pk):
        if not str(pk).isdigit():
            raise User.DoesNotExist  # 404, not a 500 from the database
        return appointable_users().get(pk=pk)

    def get_display_title(self, instance):
        return appointee_label(instance)

    def get_edit_item_url(self, instance):
        return ""


class AppointeeChosenMultipleView(MayAppointMixin, ChosenMultipleView):
    def get_objects(self, pks):
        return appointable_users().filter(pk__in=[pk for pk in pks if str(pk).isdigit()])


class AppointeeCreateView(CreateView):
    """Nobody creates accounts here (people sign up, or a desk registers them): the route is 404 for everyone."""

    def dispatch(self, request, *args, **kwargs):
        raise Http404


class AppointeeChooser(BaseChooser):
    show_edit_link = False

    def get_display_title(self, instance):
        return appointee_label(instance)


class AppointeeChooserViewSet(ChooserViewSet):
    model = "accounts.User"
    icon = "user"
    choose_one_text = _("Choose a person")
    choose_another_text = _("Choose another person")
    page_title = _("Choose a person")
    base_widget_class = AppointeeChooser
    choose_view_class = AppointeeChooseView
    choose_results_view_class = AppointeeChooseResultsView
    chosen_view_class = AppointeeChosenView
    chosen_multiple_view_class = AppointeeChosenMultipleView
    create_view_class = AppointeeCreateView
    # Every foreign key to a user would get this chooser (and its list of residents) if it were registered
    # globally; the appointment form sets it on its own field.
    register_widget = False
    per_page = 20


appointee_chooser_viewset = AppointeeChooserViewSet("desk_appointee_chooser", url_prefix="desk/appointee-chooser")
