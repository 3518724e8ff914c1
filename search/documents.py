"""The Elasticsearch index of public proposals, described with elasticsearch-dsl.

Search goes through an alias (``<prefix>-proposals``) that points at one timestamped concrete index, so a
rebuild fills a fresh index and swaps the alias in one atomic step while search keeps answering.
"""

from django.conf import settings
from django.utils import timezone
from elasticsearch_dsl import Date, Document, GeoPoint, Integer, Keyword, MetaField, Text, analyzer

from proposals.models import Proposal

# Korean and other CJK text becomes overlapping two-character tokens ("가로등" -> "가로", "로등"), so a
# fragment matches inside a longer word without a dictionary or a plugin; Latin words stay whole words.
# cjk_width first folds full-width Latin and half-width katakana, lowercase folds case.
korean_text = analyzer("korean_text", tokenizer="standard", filter=["cjk_width", "lowercase", "cjk_bigram"])


def text_field():
    return Text(analyzer=korean_text, fields={"en": Text(analyzer="english")})


def proposals_alias() -> str:
    return f"{settings.ELASTICSEARCH_INDEX_PREFIX}-proposals"


def new_index_name(now=None) -> str:
    """A concrete index name that sorts by creation time: <alias>-YYYYmmddHHMMSSffffff."""
    return f"{proposals_alias()}-{(now or timezone.now()).strftime('%Y%m%d%H%M%S%f')}"


class ProposalDocument(Document):
    """One public proposal as search sees it: its words, facets, counters, dates and map point."""

    title = text_field()
    description = text_field()
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
        location = None
        if proposal.latitude is not None and proposal.longitude is not None:
            location = {"lat": float(proposal.latitude), "lon": float(proposal.longitude)}
        return cls(
            meta={"id": proposal.pk},
            title=proposal.title,
            description=proposal.description,
            status=proposal.status,
            category=proposal.category.slug,
            area=proposal.area.slug,
            district=proposal.area.parent.slug if proposal.area.parent_id else proposal.area.slug,
            vote_count=proposal.vote_count,
            comment_count=proposal.comment_count,
            created_at=proposal.created_at,
            updated_at=proposal.updated_at,
            location=location,
        )


def proposal_index(name: str):
    """The index definition (settings, analysis and mapping) under a concrete name."""
    return ProposalDocument._index.clone(name=name)


def index_action(proposal: Proposal, index: str) -> dict:
    """One bulk "index" action for a public proposal."""
    return ProposalDocument.from_proposal(proposal).to_dict(include_meta=True, skip_empty=True) | {"_index": index}


def delete_action(proposal_id: int, index: str) -> dict:
    return {"_op_type": "delete", "_index": index, "_id": proposal_id}
