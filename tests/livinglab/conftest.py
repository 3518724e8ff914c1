"""The pilot fixtures, for the parallel-limit tests that rate pilots."""

from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401
