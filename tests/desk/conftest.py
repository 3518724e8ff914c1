import pytest

from accounts.models import Role
from desk import services
from desk.models import Centre
from tests.factories import CategoryFactory, DongFactory, UserFactory
from tests.pilots.conftest import home, make_pilot, pilot_index  # noqa: F401  (pilot pages for rating)


@pytest.fixture
def dong(db):
    return DongFactory(name="성수1가1동", name_en="Seongsu 1-ga 1-dong", slug="seongsu-1ga-1")


@pytest.fixture
def other_dong(db):
    return DongFactory(name="왕십리도선동", name_en="Wangsimni Doseon-dong", slug="wangsimni-doseon")


@pytest.fixture
def category(db):
    return CategoryFactory(name="안전", name_en="Safety", slug="safety")


@pytest.fixture
def centre(dong):
    return Centre.objects.create(name="성수1가1동 주민센터", name_en="Seongsu 1-ga 1-dong Community Centre", area=dong)


@pytest.fixture
def other_centre(other_dong):
    return Centre.objects.create(name="왕십리도선동 주민센터", area=other_dong)


def make_staff(centre, **kwargs):
    user = UserFactory(role=Role.RESIDENT, display_name=kwargs.pop("display_name", "창구 담당자"), **kwargs)
    services.appoint_desk_staff(user, centre=centre)
    user.refresh_from_db()
    return user


@pytest.fixture
def staff(centre):
    return make_staff(centre)


@pytest.fixture
def other_staff(other_centre):
    return make_staff(other_centre, display_name="다른 센터 담당자")


@pytest.fixture
def desk_resident(staff, dong):
    return services.register_resident(
        staff=staff,
        display_name="김순자",
        area=dong,
        consent_reference="C-2026-0001",
        phone="010-2345-6789",
        age_band="75_plus",
    )
