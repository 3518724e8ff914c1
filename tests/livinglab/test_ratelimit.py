"""The one rate-limit module: parsing, atomic slots, giving slots back."""

import pytest

from livinglab import ratelimit


@pytest.fixture(autouse=True)
def _one_window(monkeypatch):
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_000.0)


def test_parse_rate():
    assert ratelimit.parse_rate("5/h") == (5, 3600)
    assert ratelimit.parse_rate("10/m") == (10, 60)
    assert ratelimit.parse_rate("3/10m") == (3, 600)


@pytest.mark.parametrize("bad", ["lots", "", "5", "5/w", "-1/h"])
def test_bad_rates_are_refused(bad):
    with pytest.raises(ValueError):
        ratelimit.parse_rate(bad)


def test_slots_run_out_at_the_limit_and_refusals_do_not_count():
    slots = [ratelimit.take("t", 1, "3/m") for _ in range(5)]
    assert [slot is not None for slot in slots] == [True, True, True, False, False]
    slots[0].release()
    assert ratelimit.take("t", 1, "3/m") is not None
    assert ratelimit.take("t", 1, "3/m") is None


def test_identities_and_scopes_have_their_own_counts():
    assert ratelimit.take("t", 1, "1/m") is not None
    assert ratelimit.take("t", 2, "1/m") is not None
    assert ratelimit.take("other", 1, "1/m") is not None
    assert ratelimit.take("t", 1, "1/m") is None


def test_holding_gives_the_slot_back_when_the_action_fails():
    with pytest.raises(RuntimeError), ratelimit.holding("t", 1, "1/m", refuse=lambda: LookupError()):
        raise RuntimeError("the action failed")
    with ratelimit.holding("t", 1, "1/m", refuse=lambda: LookupError()):
        pass
    with pytest.raises(LookupError), ratelimit.holding("t", 1, "1/m", refuse=lambda: LookupError()):
        pass


def test_releasing_twice_gives_back_one_slot():
    slot = ratelimit.take("t", 1, "1/m")
    slot.release()
    slot.release()
    assert ratelimit.take("t", 1, "1/m") is not None
    assert ratelimit.take("t", 1, "1/m") is None


def test_a_new_window_starts_afresh(monkeypatch):
    assert ratelimit.take("t", 1, "1/m") is not None
    assert ratelimit.take("t", 1, "1/m") is None
    monkeypatch.setattr(ratelimit, "clock", lambda: 1_800_000_060.0)
    assert ratelimit.take("t", 1, "1/m") is not None


def test_several_limits_are_taken_all_or_none():
    assert ratelimit.take("b", 1, "1/m") is not None
    assert ratelimit.take_all([("a", 1, "1/m"), ("b", 1, "1/m")]) is None
    # The refusal by "b" gave "a"'s slot back.
    assert ratelimit.take_all([("a", 1, "1/m"), ("b", 2, "1/m")]) is not None


def test_holding_all_gives_every_slot_back_when_the_action_fails():
    limits = [("a", 1, "1/m"), ("b", 1, "1/m")]
    with pytest.raises(RuntimeError), ratelimit.holding_all(limits, refuse=lambda: LookupError()):
        raise RuntimeError("the action failed")
    with ratelimit.holding_all(limits, refuse=lambda: LookupError()):
        pass
    with pytest.raises(LookupError), ratelimit.holding_all(limits, refuse=lambda: LookupError()):
        pass


def test_limited_refuses_with_a_429_and_the_message():
    from livinglab.errors import ActionRefused

    with ratelimit.limited("t", 1, "1/m", message="Slow down."):
        pass
    with pytest.raises(ActionRefused) as exc, ratelimit.limited("t", 1, "1/m", message="Slow down."):
        pass
    assert (exc.value.status, exc.value.message) == (429, "Slow down.")
