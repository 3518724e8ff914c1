"""Search fixtures: a small world of proposals, and the Elasticsearch stand-ins (loopback, closed, hanging)."""

from datetime import timedelta

import pytest
from django.tasks import default_task_backend
from django.utils import timezone

from proposals.models import ProposalStatus
from search.backends.elasticsearch import _client
from tests.factories import CategoryFactory, DongFactory, ProposalFactory

from .loopback_elasticsearch import HangingServer, LoopbackElasticsearch, closed_port_url

# Two points in Seongsu-dong about 140 m apart, and one about 7 km away.
NEAR_MARKET = (37.5600, 127.0400)
NEAR_SCHOOL = (37.5610, 127.0410)
FAR_AWAY = (37.6000, 127.1000)


@pytest.fixture(autouse=True)
def _database_backend_by_default(settings):
    """Each search test says which backend it uses; without a word, the database."""
    settings.ELASTICSEARCH_URL = ""
    settings.ELASTICSEARCH_INDEX_PREFIX = "test"
    settings.ELASTICSEARCH_TIMEOUT = 2.0
    _client.cache_clear()
    yield
    _client.cache_clear()


def make_proposal(title, description, *, category, area, point=None, votes=0, age_days=0, **extra):
    latitude, longitude = point or (None, None)
    return ProposalFactory(
        title=title,
        description=description,
        category=category,
        area=area,
        latitude=latitude,
        longitude=longitude,
        vote_count=votes,
        created_at=timezone.now() - timedelta(days=age_days),
        **extra,
    )


@pytest.fixture
def world(db):
    """Seven proposals: five public (one rejected, so not open), one hidden, one withdrawn."""
    safety = CategoryFactory(slug="safety", name="안전", name_en="Safety")
    environment = CategoryFactory(slug="environment", name="환경", name_en="Environment")
    mobility = CategoryFactory(slug="mobility", name="교통", name_en="Mobility")
    seongsu = DongFactory(slug="seongsu", name="성수동", name_en="Seongsu-dong")
    oksu = DongFactory(slug="oksu", name="옥수동", name_en="Oksu-dong")
    proposals = {
        "alley_light": make_proposal(
            "골목 가로등 고장",
            "밤마다 골목이 너무 어두워서 위험합니다. 가로등을 고쳐 주세요.",
            category=safety,
            area=seongsu,
            point=NEAR_MARKET,
            votes=12,
            age_days=5,
        ),
        "street_light": make_proposal(
            "Broken street light by the school",
            "Children walk home in the dark because the light near the school gate is broken.",
            category=safety,
            area=oksu,
            point=NEAR_SCHOOL,
            votes=3,
            age_days=1,
        ),
        "dust": make_proposal(
            "공원 미세먼지 측정기 설치",
            "놀이터 가로등 옆에 미세먼지 측정기를 달아 주세요. 아이들이 매일 놀아요.",
            category=environment,
            area=seongsu,
            votes=30,
            age_days=3,
        ),
        "bus_bench": make_proposal(
            "버스 정류장 온열 의자",
            "겨울에 버스를 기다리는 어르신들이 추위에 떨고 계십니다.",
            category=mobility,
            area=oksu,
            point=FAR_AWAY,
            votes=7,
            age_days=2,
            status=ProposalStatus.UNDER_REVIEW,
        ),
        "rejected_light": make_proposal(
            "가로등 교체 요청",
            "오래된 가로등을 LED 가로등으로 바꾸면 전기를 아낄 수 있습니다.",
            category=safety,
            area=seongsu,
            votes=1,
            age_days=10,
            status=ProposalStatus.REJECTED,
        ),
        "hidden_light": make_proposal(
            "숨겨진 가로등 제안",
            "운영자가 숨긴 가로등 제안입니다. 검색에 나오면 안 됩니다.",
            category=safety,
            area=seongsu,
            is_hidden=True,
        ),
        "withdrawn_light": make_proposal(
            "철회된 가로등 제안",
            "작성자가 철회한 가로등 제안입니다. 검색에 나오면 안 됩니다.",
            category=safety,
            area=seongsu,
            status=ProposalStatus.WITHDRAWN,
        ),
    }
    return proposals


@pytest.fixture
def loopback_es(settings):
    """The loopback stand-in (not a cluster) configured as ELASTICSEARCH_URL."""
    with LoopbackElasticsearch() as server:
        settings.ELASTICSEARCH_URL = server.url
        yield server


@pytest.fixture
def cluster_down(settings):
    """ELASTICSEARCH_URL points at a closed loopback port."""
    settings.ELASTICSEARCH_URL = closed_port_url()
    return settings.ELASTICSEARCH_URL


@pytest.fixture
def cluster_hanging(settings):
    """ELASTICSEARCH_URL points at a socket that accepts connections and never answers; timeout 1 s."""
    with HangingServer() as server:
        settings.ELASTICSEARCH_URL = server.url
        settings.ELASTICSEARCH_TIMEOUT = 1.0
        yield server


@pytest.fixture
def worker_elsewhere(settings):
    """Django's dummy task backend: enqueued tasks are kept (as the database backend hands them to the worker)."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.dummy.DummyBackend"}}
    default_task_backend.clear()
    yield default_task_backend
    default_task_backend.clear()
