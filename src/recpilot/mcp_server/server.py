"""The MCP tools: search the catalog, similar items, personalised ranking for a user, item
details, record feedback, and a user's stated preferences (list, remove one). Each returns
structured, catalog-grounded data (real item ids and titles); a mistake the calling agent
can fix (unknown value, unknown title) comes back as a tool error whose message names the
valid choices.

A thin adapter over the conversation service, like REST: ``recommend_for_user`` is the same
recommendation path as ``POST /v1/recommend`` and ``recpilot recommend``, and what a user
ruled out anywhere holds here too. Every call runs in a worker thread, off the event loop.

Served over stdio (``recpilot mcp``) and streamable HTTP under the web server (``/mcp``).
Over HTTP the caller's API key (``Authorization: Bearer``) decides whose data a tool may
touch, exactly as for REST; over stdio the principal is fixed when the process starts.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Annotated, Any, Literal, TypeVar

import anyio.to_thread
from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from recpilot.catalog.profile import CatalogProfile
from recpilot.errors import RecpilotError
from recpilot.service.access import Forbidden, Principal, Unauthenticated, act_for
from recpilot.service.conversation import ConversationService
from recpilot.service.privacy import preference_view
from recpilot.service.routing import catalog_summaries
from recpilot.tools.search import Range, SearchCatalogArgs

log = logging.getLogger(__name__)
MAX_LISTED_VALUES = 200


def catalog_attributes(profile: CatalogProfile) -> list[dict[str, Any]]:
    """The profile as plain data for another agent."""
    out = []
    for a in profile.attributes:
        entry: dict[str, Any] = {"name": a.name, "kind": a.kind.value, "role": a.role}
        if a.values:
            entry["values"] = list(a.values[:MAX_LISTED_VALUES])
            entry["n_values"] = len(a.values)
        if a.low is not None:
            entry["min"], entry["max"] = a.low, a.high
        out.append(entry)
    return out


F = TypeVar("F", bound=Callable[..., Any])

ServiceGetter = Callable[[], ConversationService]
PrincipalGetter = Callable[[Context], Principal]
INSTRUCTIONS = (
    "recpilot is a recommendation engine over a real item catalog. Every item id and title it "
    "returns exists in the catalog. Call describe_catalog first to learn the catalog's attributes "
    "and values. Use search_catalog for hard filters, similar_items for "
    "'more like X', recommend_for_user for a personalised ranking, item_details for facts, "
    "record_feedback when the user reacts to an item, and list_preferences / "
    "remove_preference for what the user told recpilot to always or never do. A server may "
    "hold several catalogs (movies, books, a shop, ...): list_catalogs says what each holds, "
    "and every tool takes a 'catalog' argument naming the one to use (default: the first)."
)
MAX_RESULTS = 20
MAX_ID_CHARS = 200  # user, item and preference ids, titles given as seeds
Id = Annotated[str, Field(min_length=1, max_length=MAX_ID_CHARS)]


Values = Annotated[
    dict[str, list[str]],
    Field(
        description='categorical attribute -> values (see describe_catalog), e.g. {"category": ["Poetry"]}'
    ),
]
CatalogArg = Annotated[
    str | None,
    Field(
        description="which catalog to use, by name (list_catalogs names them and says what "
        "each holds); default: the server's first catalog",
        max_length=MAX_ID_CHARS,
    ),
]
Bounds = Annotated[
    dict[str, Range],
    Field(description='numeric attribute -> inclusive bounds, e.g. {"price": {"max": 20}}'),
]
Diversity = Annotated[
    float | None,
    Field(
        ge=0.0,
        le=1.0,
        description="variety and less mainstream picks: 0 the plain ranking, 1 most varied "
        "(set it when the user asks for a surprise, hidden gems or more variety); default: "
        "the measured default",
    ),
]


def _conditions(
    include: dict[str, list[str]],
    exclude: dict[str, list[str]],
    ranges: dict[str, Range],
    title: str | None,
    match: Literal["all", "any"] = "all",
) -> SearchCatalogArgs:
    """Typed conditions over the catalog's own attributes (checked when they run: an unknown
    attribute or value is an error that names the valid ones)."""
    return SearchCatalogArgs(
        include=include, exclude=exclude, ranges=ranges, title=title or None, match=match
    )


def fixable(fn: F) -> F:
    """Errors the calling agent can fix (bad value, unknown item, wrong user) become tool
    errors whose message it reads; the SDK would otherwise hide them."""

    @functools.wraps(fn)
    async def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return await fn(*args, **kwargs)
        except (ValueError, Forbidden, Unauthenticated, RecpilotError) as exc:
            raise ToolError(str(exc)) from exc

    return wrapper  # type: ignore[return-value]


def build_mcp_server(service: ServiceGetter, who: PrincipalGetter) -> MCPServer:
    server = MCPServer("recpilot", instructions=INSTRUCTIONS, log_level="WARNING")

    async def caller(ctx: Context) -> Principal:
        """Who is calling (a stored key is a database read: off the loop)."""
        return await anyio.to_thread.run_sync(lambda: who(ctx))

    @server.tool()
    @fixable
    async def list_catalogs(ctx: Context) -> dict[str, Any]:
        """The catalogs this server holds: name, what it holds (description) and size. Pass a name as the 'catalog' argument of the other tools."""
        await caller(ctx)
        svc = service()
        return {"catalogs": await anyio.to_thread.run_sync(lambda: catalog_summaries(svc))}

    @server.tool()
    @fixable
    async def describe_catalog(ctx: Context, catalog: CatalogArg = None) -> dict[str, Any]:
        """The catalog's attributes: for each, its kind (categorical or number), its role if any (time, category, price, creator, rating), its values (categorical, up to 200) or its range (number). Use these names and values in search_catalog and recommend_for_user."""
        await caller(ctx)
        svc = service().for_catalog(catalog)
        return {"name": svc.catalog.name, "attributes": catalog_attributes(svc.agent.profile)}

    @server.tool()
    @fixable
    async def search_catalog(
        ctx: Context,
        include: Values = {},  # noqa: B006
        exclude: Values = {},  # noqa: B006
        ranges: Bounds = {},  # noqa: B006
        title: Annotated[
            str | None, Field(description="text the title must contain", max_length=200)
        ] = None,
        match: Annotated[
            Literal["all", "any"],
            Field(description="results need all the included values, or any one"),
        ] = "all",
        limit: Annotated[
            int, Field(ge=1, le=MAX_RESULTS, description="how many items to return")
        ] = 10,
        catalog: CatalogArg = None,
    ) -> dict[str, Any]:
        """Filter the catalog by hard conditions on its own attributes (values to include or exclude, numeric ranges, title text; describe_catalog lists them). Returns matching items (id, title, attributes) in catalog order and the total count."""
        await caller(ctx)
        svc = service().for_catalog(catalog)
        args = _conditions(include, exclude, ranges, title, match)
        found, total = await anyio.to_thread.run_sync(lambda: svc.search(args, limit))
        return {"total": total, "items": [i.model_dump() for i in found]}

    @server.tool()
    @fixable
    async def similar_items(
        ctx: Context,
        items: Annotated[
            list[Id], Field(min_length=1, max_length=5, description="seed item titles or item ids")
        ],
        n: Annotated[int, Field(ge=1, le=MAX_RESULTS, description="how many similar items")] = 10,
        catalog: CatalogArg = None,
        diversity: Diversity = None,
    ) -> dict[str, Any]:
        """Items similar to the given seed items (collaborative neighbours), within the calling user's stated exclusions and limits. The seeds themselves are not returned. Each result has a reason."""
        principal = await caller(ctx)
        svc = service().for_catalog(catalog)

        def answer() -> dict[str, Any]:
            out = svc.similar(items, n, principal.user_id, diversity=diversity)
            return {"items": svc.cards(out.record.items), "notes": out.record.notes}

        return await anyio.to_thread.run_sync(answer)

    @server.tool()
    @fixable
    async def recommend_for_user(
        ctx: Context,
        user_id: Annotated[Id, Field(description="the user to rank for (your key must own it)")],
        n: Annotated[int, Field(ge=1, le=MAX_RESULTS, description="how many items")] = 10,
        include: Values = {},  # noqa: B006
        exclude: Values = {},  # noqa: B006
        ranges: Bounds = {},  # noqa: B006
        catalog: CatalogArg = None,
        diversity: Diversity = None,
    ) -> dict[str, Any]:
        """Personalised ranking for a user from their history, feedback and stated preferences (popular items for a new user), optionally within hard filters. Items the user has already seen or rejected, and anything they ruled out, are left out."""
        user = act_for(await caller(ctx), user_id)
        svc = service().for_catalog(catalog)
        filters = (
            _conditions(include, exclude, ranges, None) if include or exclude or ranges else None
        )

        def answer() -> dict[str, Any]:
            out = svc.recommend(user, n, filters, diversity=diversity)
            return {
                "user_id": user,
                "items": svc.cards(out.record.items),
                "notes": out.record.notes,
                "session_id": out.session_id,
            }

        return await anyio.to_thread.run_sync(answer)

    @server.tool()
    @fixable
    async def item_details(
        ctx: Context,
        item_ids: Annotated[
            list[Id], Field(min_length=1, max_length=MAX_RESULTS, description="catalog item ids")
        ],
        catalog: CatalogArg = None,
    ) -> dict[str, Any]:
        """Catalog facts (title and every attribute) for the given item ids; unknown ids are listed in 'unknown'."""
        await caller(ctx)
        svc = service().for_catalog(catalog)
        found = await anyio.to_thread.run_sync(lambda: svc.items(item_ids))
        known = {i.item_id for i in found}
        return {
            "items": [i.model_dump() for i in found],
            "unknown": [i for i in item_ids if i not in known],
        }

    @server.tool()
    @fixable
    async def record_feedback(
        ctx: Context,
        user_id: Annotated[
            Id, Field(description="the user giving feedback (your key must own it)")
        ],
        item_id: Annotated[Id, Field(description="catalog item id")],
        kind: Annotated[
            Literal["like", "dislike", "consumed", "not_interested"],
            Field(description="what the user did"),
        ],
        catalog: CatalogArg = None,
    ) -> dict[str, Any]:
        """Record a user's reaction to an item; later rankings for that user use it."""
        user = act_for(await caller(ctx), user_id)
        svc = service().for_catalog(catalog)
        await anyio.to_thread.run_sync(lambda: svc.feedback(user, item_id, kind, None))
        return {"ok": True, "user_id": user, "item_id": item_id, "kind": kind}

    @server.tool()
    @fixable
    async def list_preferences(
        ctx: Context,
        user_id: Annotated[Id, Field(description="the user (your key must own it)")],
    ) -> dict[str, Any]:
        """What the user told recpilot to never show (exclusions), numeric limits they set, and wishes they stated; each has an id for remove_preference."""
        user = act_for(await caller(ctx), user_id)
        svc = service()
        prefs = await anyio.to_thread.run_sync(lambda: svc.preferences(user))
        return {"user_id": user, "preferences": [preference_view(e) for e in prefs]}

    @server.tool()
    @fixable
    async def remove_preference(
        ctx: Context,
        user_id: Annotated[Id, Field(description="the user (your key must own it)")],
        preference_id: Annotated[Id, Field(description="the id from list_preferences")],
    ) -> dict[str, Any]:
        """Remove one stated preference of the user; it stops applying at once, on every interface."""
        user = act_for(await caller(ctx), user_id)
        svc = service()
        removed = await anyio.to_thread.run_sync(lambda: svc.forget(user, preference_id))
        return {"ok": True, "user_id": user, "removed": preference_view(removed)}

    return server
