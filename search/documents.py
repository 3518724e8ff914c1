"""The Elasticsearch index of public proposals, described with elasticsearch-dsl.

Search goes through an alias (``<prefix>-proposals``) that points at one timestamped concrete index, so a
rebuild fills a fresh index and swaps the alias in one atomic step while search keeps answering.
"""

import copy

from django.conf import settings
from django.utils import timezone
from elasticsearch_dsl import Date, Document, GeoPoint, Integer, Keyword, MetaField, Text

from proposals.models import Area, Category, Proposal

from .analysis import place_names

NORI_PLUGIN = "analysis-nori"
# A space between Latin letters or digits and Hangul, so "LED가로등", "CCTV설치" and "3번출구" are two words for
# every tokenizer below ("LED" and "출구" are then found on their own). Java regex, run by the cluster.
LATIN_HANGUL_SPLIT = {
    "type": "pattern_replace",
    "pattern": "(?<=[A-Za-z0-9])(?=[가-힣])|(?<=[가-힣])(?=[A-Za-z0-9])",
    "replacement": " ",
}
# Markdown's inline marks (descriptions are Markdown) go before tokenizing, as in search.analysis: "**센서**로"
# reads as "센서로", where 로 is a particle, not a word of its own.
MARKDOWN_MARKS = {"type": "pattern_replace", "pattern": "[*`~]+", "replacement": ""}
CHAR_FILTERS = ["markdown_marks", "latin_hangul_split"]
# Overlapping two-character tokens ("가로등" -> "가로", "로등"): a fragment matches inside a longer word
# without a dictionary. cjk_width folds full-width Latin, lowercase folds case.
BIGRAM_ANALYZER = {
    "type": "custom",
    "char_filter": CHAR_FILTERS,
    "tokenizer": "standard",
    "filter": ["cjk_width", "lowercase", "cjk_bigram"],
}
# Single syllables as well as bigrams, searched at a low boost: "길" is found inside "골목길", which
# cjk_bigram alone never emits.
UNIGRAM_ANALYZER = BIGRAM_ANALYZER | {"filter": ["cjk_width", "lowercase", "korean_unigrams"]}
# Nori's default part-of-speech stop tags drop particles and endings: "사거리에서" indexes "사거리".
NORI_ANALYZER = {
    "type": "custom",
    "char_filter": CHAR_FILTERS,
    "tokenizer": "korean_nori",
    "filter": ["nori_part_of_speech", "nori_readingform", "lowercase"],
}


def analysis_settings(*, nori: bool) -> dict:
    """The analysis section: Nori (with the place-name user dictionary) when the cluster has the plugin, else the
    CJK chain. Both define the same analyzer names, so the mapping and the queries are the same either way."""
    analysis = {
        "char_filter": {"markdown_marks": MARKDOWN_MARKS, "latin_hangul_split": LATIN_HANGUL_SPLIT},
        "filter": {"korean_unigrams": {"type": "cjk_bigram", "output_unigrams": True}},
        "analyzer": {
            "korean_text": NORI_ANALYZER if nori else BIGRAM_ANALYZER,
            "korean_bigram": BIGRAM_ANALYZER,
            "korean_unigram": UNIGRAM_ANALYZER,
        },
    }
    if nori:
        analysis["tokenizer"] = {
            "korean_nori": {
                "type": "nori_tokenizer",
                "decompound_mode": "mixed",
                "discard_punctuation": True,
                "user_dictionary_rules": list(place_names()),
            }
        }
    return copy.deepcopy(analysis)


def text_field():
    return Text(
        analyzer="korean_text",
        fields={
            "en": Text(analyzer="english"),
            "bigram": Text(analyzer="korean_bigram"),
            "unigram": Text(analyzer="korean_unigram"),
        },
    )


def proposals_alias() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-proposals"


def new_index_name(now=None) -> str:
    """A concrete index name that sorts by creation time: <alias>-YYYYmmddHHMMSSffffff."""
    return f"{proposals_alias()}-{(now or timezone.now()).strftime('%Y%m%d%H%M%S%f')}"


class ProposalDocument(Document):
    """One public proposal as search sees it: its words, facets, counters, dates and map point."""

    title = text_field()
    description = text_field()
    # The area's names in Korean and English, so "행당동" finds an English proposal filed in Haengdang 1-dong.
    place = text_field()
    status = Keyword()
    category = Keyword()
    area = Keyword()
    district = Keyword()
    vote_count = Integer()
    comment_count = Integer()
    created_at = Date()
    updated_at = Date()
    location = GeoPoint()

    class Meta:
        # A field the code does not declare is a bug, not something to guess a mapping for.
        dynamic = MetaField("strict")

    class Index:
        name = "livinglab-proposals"
        settings = {"number_of_shards": 1}

    @classmethod
    def from_proposal(cls, proposal: Proposal) -> "ProposalDocument":
        """Needs `category`, `area` and `area.parent` loaded (select_related) to avoid a query per proposal."""
        return cls(meta={"id": proposal.pk}, **proposal_source(proposal))


class IndexDefinition:
    """An index's settings (with the chosen analysis) and mapping under a concrete name."""

    def __init__(self, name: str, *, nori: bool):
        self.name = name
        self.nori = nori

    def to_dict(self) -> dict:
        body = ProposalDocument._index.clone(name=self.name).to_dict()
        body["settings"] = {**body.get("settings", {}), "analysis": analysis_settings(nori=self.nori)}
        return body

    def create(self, *, using):
        return using.indices.create(index=self.name, **self.to_dict())


def place_text(area) -> str:
    """An area's names and its district's, in both languages (needs `area.parent` loaded)."""
    names = [area.name, area.name_en]
    if area.parent_id:
        names += [area.parent.name, area.parent.name_en]
    return " ".join(name for name in names if name)


def proposal_index(name: str, *, nori: bool = False) -> IndexDefinition:
    """The index definition (settings, analysis and mapping) under a concrete name."""
    return IndexDefinition(name, nori=nori)


def cluster_has_nori(client) -> bool:
    """True when every node lists the analysis-nori plugin (GET _nodes/plugins)."""
    nodes = client.nodes.info(metric="plugins").body.get("nodes", {})
    return bool(nodes) and all(
        any(plugin.get("name") == NORI_PLUGIN for plugin in node.get("plugins", [])) for node in nodes.values()
    )


def document_source(
    *,
    title: str,
    description: str,
    place: str,
    status: str,
    category: str,
    area: str,
    district: str,
    vote_count: int,
    comment_count: int,
    created_at,
    updated_at,
    latitude,
    longitude,
) -> dict:
    """A proposal's ``_source`` as a plain dict, exactly what ``ProposalDocument(...).to_dict(skip_empty=True)``
    gives for the same values (the mapping's field order; an empty location left out).

    Bulk indexing builds this dict directly: an elasticsearch-dsl ``Document`` per row (its construction and its
    per-field lookups in ``to_dict``) was half of the rebuild's CPU time (docs/benchmarks.md). None of the
    mapped fields transforms its value on serialisation, so the dict is the same body.
    """
    source = {
        "title": title,
        "description": description,
        "place": place,
        "status": status,
        "category": category,
        "area": area,
        "district": district,
        "vote_count": vote_count,
        "comment_count": comment_count,
        "created_at": created_at,
        "updated_at": updated_at,
    }
    if latitude is not None and longitude is not None:
        source["location"] = {"lat": float(latitude), "lon": float(longitude)}
    return {key: value for key, value in source.items() if value is not None}


def proposal_source(proposal: Proposal) -> dict:
    """The ``_source`` of one proposal (needs `category`, `area` and `area.parent` loaded)."""
    area = proposal.area
    return document_source(
        title=proposal.title,
        description=proposal.description,
        place=place_text(area),
        status=proposal.status,
        category=proposal.category.slug,
        area=area.slug,
        district=area.parent.slug if area.parent_id else area.slug,
        vote_count=proposal.vote_count,
        comment_count=proposal.comment_count,
        created_at=proposal.created_at,
        updated_at=proposal.updated_at,
        latitude=proposal.latitude,
        longitude=proposal.longitude,
    )


def index_action(proposal: Proposal, index: str) -> dict:
    """One bulk "index" action for a public proposal."""
    return {"_id": proposal.pk, "_index": index, "_source": proposal_source(proposal)}


# Columns the bulk rebuild reads per proposal; category and area are looked up in maps read once.
REBUILD_COLUMNS = (
    "pk",
    "title",
    "description",
    "status",
    "category_id",
    "area_id",
    "vote_count",
    "comment_count",
    "created_at",
    "updated_at",
    "latitude",
    "longitude",
)


def bulk_index_actions(proposals, index: str, *, chunk_size: int = 2000):
    """Bulk "index" actions for a queryset of proposals, read as plain rows in chunks (no model instances).

    Categories and areas are few: their slugs and place names are read once, not joined into every row.
    """
    categories = dict(Category.objects.values_list("pk", "slug"))
    areas = {
        area.pk: (area.slug, area.parent.slug if area.parent_id else area.slug, place_text(area))
        for area in Area.objects.select_related("parent")
    }
    rows = proposals.order_by("pk").values_list(*REBUILD_COLUMNS).iterator(chunk_size=chunk_size)
    for pk, title, description, status, category_id, area_id, votes, comments, created, updated, lat, lon in rows:
        area, district, place = areas[area_id]
        yield {
            "_id": pk,
            "_index": index,
            "_source": document_source(
                title=title,
                description=description,
                place=place,
                status=status,
                category=categories[category_id],
                area=area,
                district=district,
                vote_count=votes,
                comment_count=comments,
                created_at=created,
                updated_at=updated,
                latitude=lat,
                longitude=lon,
            ),
        }


def delete_action(proposal_id: int, index: str) -> dict:
    return {"_op_type": "delete", "_index": index, "_id": proposal_id}
