"""Site-wide middleware of the project package."""

from allauth.core.exceptions import RateLimited
from django.core.exceptions import ObjectDoesNotExist
from django.utils.translation import gettext as _

from .errors import ActionRefused, refusal_response


class ActionRefusedMiddleware:
    """Turns a refusal no view caught into its status and message (see ``livinglab.errors``), and a row that
    vanished mid-request into a 404 refusal."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, ActionRefused):
            return refusal_response(request, exception)
        if isinstance(exception, ObjectDoesNotExist):
            # A row that went between the view's read and the service's row lock (a proposal removed with its
            # author's account while someone voted on it) is gone for this request too: 404, not 500.
            gone = ActionRefused(_("This is no longer on the site."), status=404)
            return refusal_response(request, gone)
        if isinstance(exception, RateLimited):
            # allauth's own limits (a code sent too often to one number, say) raise this outside its forms.
            refused = ActionRefused(_("Too many attempts. Please wait a while and try again."), status=429)
            return refusal_response(request, refused)
        return None
