"""What every search backend promises: the interface both the database and the Elasticsearch backend implement."""

from abc import ABC, abstractmethod

from ..types import Point, SearchRequest, SearchResult, SimilarProposal


class SearchUnavailable(Exception):
    """The search service could not answer; callers fall back to the database or queue the write.

    `cluster_down` is True when the cluster itself failed (unreachable, timed out, 5xx, 429), False when it
    refused this one request (4xx): only the first should make later searches skip the cluster for a while.
    """

    def __init__(self, message: str = "", *, cluster_down: bool = True):
        super().__init__(message)
        self.cluster_down = cluster_down


class SearchBackend(ABC):
    """Answers proposal searches; only public proposals ever come back (never hidden or withdrawn ones)."""

    #: Shown in logs and benchmarks.
    name: str = ""
    #: True when the backend keeps its own index (which can fail, and is then replaced by the database).
    indexes: bool = False

    @abstractmethod
    def search(self, request: SearchRequest) -> SearchResult:
        """One page of matches for a normalised request, with totals, facets (unlabelled) and highlights.

        Raises ``SearchUnavailable`` when the service cannot answer.
        """

    @abstractmethod
    def similar(self, *, title: str, text: str, point: Point | None, limit: int) -> list[SimilarProposal]:
        """Up to ``limit`` open proposals that look like a draft, best first.

        Raises ``SearchUnavailable`` when the service cannot answer.
        """
