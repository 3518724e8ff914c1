"""Request-wide account checks."""

from .consent import consent_redirect, missing_documents, posting_needs_consent


class ConsentMiddleware:
    """Every posting action, in any app, waits until the person accepted the current terms and privacy notice.

    One check for all routes (``accounts.consent``) instead of one per view: a new posting view is covered the
    day it is written. It runs in ``process_view``, after URL resolution, so exemptions are named by URL.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        if not getattr(request.user, "is_authenticated", False) or not posting_needs_consent(request):
            return None
        if missing_documents(request.user, getattr(request, "session", None)):
            return consent_redirect(request)
        return None
