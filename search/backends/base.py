"""What every search backend promises."""


class SearchUnavailable(Exception):
    """The search service could not answer; callers fall back to the database or queue the write.

    `cluster_down` is True when the cluster itself failed (unreachable, timed out, 5xx, 429), False when it
    refused this one request (4xx): only the first should make later searches skip the cluster for a while.
    """

    def __init__(self, message: str = "", *, cluster_down: bool = True):
        super().__init__(message)
        self.cluster_down = cluster_down
