"""The one shape of a form page that runs an action: POST → service → refusal → message → redirect.

Views build the form and say which service to call; :func:`form_action` does the rest the same way for
every such page: a refusal (``ActionRefused``) goes above the form with its status, a service's
``ValidationError`` next to the field it names (400), and success shows a message and redirects.
"""

from collections.abc import Callable

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from .errors import ActionRefused


def add_service_errors(form, exc: ValidationError) -> None:
    """Put a service's ``ValidationError`` next to the matching field, or above the form."""
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def form_action(
    request,
    form,
    *,
    perform: Callable[[dict], object],
    success: str | Callable[[], str],
    redirect_to: str | Callable[[object], str] | object,
    template: str,
    context: dict | None = None,
):
    """Show ``form`` on GET; on POST run ``perform(cleaned_data)`` and answer as the module docstring says.

    ``success`` and ``redirect_to`` may be callables, for a message or an address that depends on what the
    service did (``redirect_to`` then receives the service's return value).
    """
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            try:
                result = perform(form.cleaned_data)
            except ActionRefused as exc:
                form.add_error(None, exc.message)
                status = exc.status
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, success() if callable(success) else success)
                return redirect(redirect_to(result) if callable(redirect_to) else redirect_to)
    return render(request, template, {"form": form, **(context or {})}, status=status)
