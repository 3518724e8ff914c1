"""What every search backend promises."""


class SearchUnavailable(Exception):
    """The search service could not answer (cluster down, slow or refusing); callers fall back or queue."""
