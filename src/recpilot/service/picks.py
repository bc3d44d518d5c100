"""Shaping a recommendation pool for a user: the profile's re-rank, "because you liked X",
brand-new catalog items close to what they liked (cold start), and popular-but-diverse
picks for someone the service knows nothing about."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from recpilot.agent.trace import RecommendedItem
from recpilot.memory.coldstart import NewItems
from recpilot.memory.profile import UserProfile, profile_bonus
from recpilot.service.conditions import violating
from recpilot.service.facets import CatalogFacets
from recpilot.tools.resolve import display_title
from recpilot.tools.search import SearchCatalogArgs

ANCHORS = 10  # liked items considered for "because you liked X"


def rerank(
    facets: CatalogFacets, profile: UserProfile, items: list[RecommendedItem], weight: float
) -> list[RecommendedItem]:
    """Blend each item's pool position with the profile's weights on its attributes."""
    if not items or weight == 0.0:
        return list(items)
    facts = {f.item_id: f for f in facets.facts([i.item_id for i in items])}
    scored = []
    for pos, item in enumerate(items):
        base = 1.0 - pos / len(items)
        found = facts.get(item.item_id)
        bonus = profile_bonus(profile, found) if found is not None else 0.0
        scored.append((base + weight * bonus, -pos, item))
    scored.sort(key=lambda t: (-t[0], -t[1]))
    return [t[2] for t in scored]


def because(
    facets: CatalogFacets, anchors: Sequence[str], items: list[RecommendedItem]
) -> list[RecommendedItem]:
    """Prefix each reason with the liked item most similar to it (item-CF)."""
    models = facets.models
    anchors = [i for i in list(anchors)[-ANCHORS:] if i in models.index]
    if not anchors or not items:
        return items
    known = [models.index[i.item_id] for i in items if i.item_id in models.index]
    # One batched call: each anchor's similarity to the shown items only.
    sims = models.similar.score([np.array([models.index[a]]) for a in anchors], known)
    column_of = {k: c for c, k in enumerate(known)}
    titles = {i.item_id: i.title for i in facets.catalog.get_items(anchors)}
    out = []
    for item in items:
        k = models.index.get(item.item_id)
        if k is None:
            out.append(item)
            continue
        column = np.nan_to_num(sims[:, column_of[k]], nan=-np.inf)
        best = int(np.argmax(column))
        if not np.isfinite(column[best]) or column[best] <= 0:
            out.append(item)
            continue
        name = display_title(titles.get(anchors[best], anchors[best]))
        out.append(item.model_copy(update={"reason": f"because you liked {name}; {item.reason}"}))
    return out


def with_new_items(
    facets: CatalogFacets,
    new_items: NewItems,
    liked: Sequence[str],
    skip: Sequence[str],
    standing: SearchCatalogArgs | None,
    items: list[RecommendedItem],
    n: int,
    min_similarity: float,
) -> list[RecommendedItem]:
    """Give the last ``n // 5`` slots (at least one) to brand-new items close in content to
    what the user liked, when there are any; standing conditions hold for them too."""
    shown = {i.item_id for i in items}
    matches = new_items.match(liked, exclude=[*skip, *shown], min_similarity=min_similarity)
    slots = max(1, n // 5)
    candidates = matches[: slots * 4]
    banned = violating(facets.catalog, [m.item_id for m in candidates], standing)
    found = {i.item_id: i for i in facets.catalog.get_items([m.item_id for m in candidates])}
    anchors = {i.item_id: i.title for i in facets.catalog.get_items([m.anchor for m in candidates])}
    new = []
    for match in candidates:
        if match.item_id in banned or match.item_id not in found:
            continue
        anchor = display_title(anchors.get(match.anchor, match.anchor))
        new.append(
            RecommendedItem(
                item_id=match.item_id,
                title=display_title(found[match.item_id].title),
                score=round(match.similarity, 6),
                reason=f"new in the catalog; close in content to {anchor}, which you liked",
            )
        )
        if len(new) == slots:
            break
    return [*items[: n - len(new)], *new]


def diverse(facets: CatalogFacets, items: list[RecommendedItem], n: int) -> list[RecommendedItem]:
    """Popular first, at most ``ceil(n/4)`` per leading value of the primary attribute,
    filled up in order."""
    facts = {f.item_id: f for f in facets.facts([i.item_id for i in items])}
    cap = max(1, math.ceil(n / 4))
    counts: dict[str, int] = {}
    picked: list[RecommendedItem] = []
    for item in items:
        found = facts.get(item.item_id)
        lead = facets.lead_value(found) if found is not None else ""
        if counts.get(lead, 0) < cap:
            counts[lead] = counts.get(lead, 0) + 1
            picked.append(item)
        if len(picked) == n:
            return picked
    rest = [i for i in items if i not in picked]
    return [*picked, *rest][:n]
