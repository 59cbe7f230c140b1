"""The Graph API client: a page's posts and their figures, read straight from Facebook.

``client`` holds the HTTP client (timeouts, retries, rate limits, pagination, errors),
``posts`` turns the API's post objects into the clean post table, and ``pull`` puts pages
into the history store.
"""

from posttime.graph.client import API_VERSION, GRAPH_URL, Backoff, GraphClient, GraphError
from posttime.graph.pull import TOKEN_ENV, PullReport, accounts, pull, read_token

__all__ = [
    "API_VERSION",
    "GRAPH_URL",
    "TOKEN_ENV",
    "Backoff",
    "GraphClient",
    "GraphError",
    "PullReport",
    "accounts",
    "pull",
    "read_token",
]
