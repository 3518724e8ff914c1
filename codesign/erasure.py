"""Erasing an account, the co-design side: the person's registrations are cancelled as if they had cancelled
each one, so every seat they held goes to the first person waiting (told after the commit) or off the count.

Runs in ``accounts.services.erase_account``'s transaction, before the rows themselves are deleted with the
rest of the person's private rows (by then cancelled, so ``codesign.counters`` has nothing left to do).
"""

from accounts.erasure import register

from .models import Registration
from .services import release_registrations


@register
def cancel_registrations(user, *, remove_contributions: bool) -> dict[str, int]:
    released = release_registrations(Registration.objects.filter(user=user), actor_id=user.pk)
    return {"registrations_cancelled": released}
