"""A pull fetches the next page while it stores the current one (``sensors.pulls.fetched_ahead``)."""

import threading

import pytest

from sensors.pulls import fetched_ahead
from sensors.sensorthings import SourceError


def test_pages_arrive_in_order_and_all_of_them():
    assert list(fetched_ahead(iter(range(7)))) == list(range(7))
    assert list(fetched_ahead(iter([]))) == []


def test_the_next_page_is_fetched_while_the_caller_holds_the_current_one():
    second_requested = threading.Event()

    def pages():
        yield "first"
        second_requested.set()
        yield "second"

    pulled = fetched_ahead(pages())
    assert next(pulled) == "first"
    # The caller has not asked for the second page yet; the fetching thread is already at it.
    assert second_requested.wait(timeout=60)
    assert list(pulled) == ["second"]


def test_an_error_comes_after_the_pages_before_it_so_they_are_still_stored():
    def pages():
        yield 1
        yield 2
        raise SourceError("HTTP 500: the source broke half-way")

    received = []
    with pytest.raises(SourceError, match="half-way"):
        for page in fetched_ahead(pages()):
            received.append(page)
    assert received == [1, 2]


def test_only_one_page_is_held_ahead():
    produced = []
    second_fetched = threading.Event()

    def pages():
        for number in range(1, 100):
            produced.append(number)
            if number == 2:
                second_fetched.set()
            yield number

    pulled = fetched_ahead(pages())
    assert next(pulled) == 1
    assert second_fetched.wait(timeout=60)
    assert produced == [1, 2]  # page 2 is ready; page 3 waits until the caller takes page 2
    assert next(pulled) == 2
    pulled.close()
    assert len(produced) <= 3


def test_the_fetching_thread_is_done_when_the_caller_stops_early():
    def pages():
        yield from range(1000)

    pulled = fetched_ahead(pages())
    assert next(pulled) == 0
    pulled.close()  # the with-block waits for the one page in flight, then the thread ends
    assert not [thread for thread in threading.enumerate() if thread.name.startswith("sensor-fetch")]
