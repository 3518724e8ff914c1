"""Failed sign-ins, counted so that a shared address (a community centre, a carrier's NAT) is not locked out.

Two limits guard password sign-in (``accounts.adapters.AccountAdapter.pre_authenticate``):

- **Per account** (allauth's ``login_failed`` limit, ``ACCOUNT_RATE_LIMITS``, key only): five failures in five
  minutes lock that account, from whatever address. The key is the normalised e-mail address or mobile number,
  so ``010-1234-5678`` and ``+821012345678`` are one account and a change of spelling buys no extra tries.
- **Per address** (``LOGIN_FAILED_ACCOUNTS_PER_IP``): the number of *distinct accounts* that failed from one
  address in the window. Someone hammering one account counts once here, so they lock that account and no one
  else; ten neighbours who each mistype once count ten. Only a spray over many accounts (credential stuffing)
  reaches the bound, and then it refuses accounts new to the window while the accounts that already failed
  from that address keep their own per-account limit. A right password gives its count back.

Both are taken before the password is checked, atomically (``livinglab.ratelimit``), so parallel attempts cannot
slip past either.
"""

import hashlib
from dataclasses import dataclass

from django.conf import settings

from livinglab import ratelimit
from livinglab.ratelimit import Slot


@dataclass
class AddressCount:
    """What one attempt took from its address's count; ``give_back`` when the password turned out right."""

    pair: Slot | None = None
    address: Slot | None = None

    def give_back(self) -> None:
        for slot in (self.address, self.pair):
            if slot is not None:
                slot.release()
        self.pair = self.address = None


def count_attempt(ip: str, account_key: str) -> AddressCount | None:
    """Count ``account_key`` against ``ip`` unless it already counts in this window; None when the bound is reached.

    The first attempt on an account from an address takes a one-per-window marker for the pair; only that one
    takes a slot of the address's bound. Later attempts on the same account pass here (its own limit governs).
    """
    rate = settings.LOGIN_FAILED_ACCOUNTS_PER_IP
    period = ratelimit.parse_rate(rate).period
    digest = hashlib.sha256(account_key.encode()).hexdigest()[:32]
    pair = ratelimit.take("login-failed-account", f"{ip}:{digest}", f"1/{period}s")
    if pair is None:
        return AddressCount()
    address = ratelimit.take("login-failed-ip", ip, rate)
    if address is None:
        pair.release()
        return None
    return AddressCount(pair=pair, address=address)
