"""The pilot, co-design and desk fixtures, for the parallel-limit tests that rate pilots, sign up for sessions,
answer surveys and text claim codes."""

from tests.codesign.conftest import consent, make_session, make_survey, pilot  # noqa: F401
from tests.desk.conftest import centre, desk_resident, dong, staff  # noqa: F401
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401
