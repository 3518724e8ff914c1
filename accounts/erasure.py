"""What other apps do when a person's account is erased, registered by them (accounts imports no other app).

Each step is ``step(user, *, remove_contributions: bool) -> dict[str, int]`` and runs inside
``erase_account``'s transaction, with the user's row locked; the counts it returns go to the audit log.
Apps register their steps when they load (``AppConfig.ready``), as ``proposals.erasure`` does for votes
and comments.
"""

from collections.abc import Callable

ErasureStep = Callable[..., dict[str, int]]
_steps: list[ErasureStep] = []


def register(step: ErasureStep) -> ErasureStep:
    if step not in _steps:
        _steps.append(step)
    return step


def steps() -> tuple[ErasureStep, ...]:
    return tuple(_steps)
