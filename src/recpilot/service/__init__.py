"""The conversation service: one object that owns a turn, recommendations, similar items,
feedback, stated preferences, the profile, export and delete, over one durable store.
The CLI, REST, the OpenAI endpoint, the web page and MCP are thin adapters over it."""

from recpilot.service.access import Forbidden, Principal, Unauthenticated, act_for
from recpilot.service.conversation import ConversationService, ServiceSettings, TurnOut
from recpilot.service.keys import KeyRing, StaticKey

__all__ = [
    "ConversationService",
    "Forbidden",
    "KeyRing",
    "Principal",
    "ServiceSettings",
    "StaticKey",
    "TurnOut",
    "Unauthenticated",
    "act_for",
]
