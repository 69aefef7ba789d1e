"""The read API (`/api/v1/`) for other systems: the province's supervision system, a GIS, a
contractor's own tool. Each call carries a token of an account (`wastewatch users token`)."""

from pydantic import Field

from .fields import Section


class ApiConfig(Section):
    """`[api]`: the read API served beside the console by `wastewatch serve`."""

    enabled: bool = True
    """`false`: no `/api/v1/` (every token is refused with the routes)."""
    rate_per_minute: int = Field(120, ge=1, le=100_000)
    """Calls a minute each token may make; more are answered 429 with `Retry-After`."""
    token_days: int = Field(365, ge=1, le=3650)
    """How long a new token lasts unless a shorter time is asked for: the longest a token may
    last."""
    page_size: int = Field(500, ge=10, le=10_000)
    """The most items one page of a list holds (`limit` may ask for fewer). Readings page by their
    own `limit`: 10,000 of each series unless fewer are asked for, 100,000 at most."""
