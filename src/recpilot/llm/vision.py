"""Pictures in requests, read by a remote vision model.

No vision-text encoder installs from the package registries with its weights (checked: the
CLIP-style packages on PyPI fetch their weights from a hub or a bucket at run time), so the
embedded, offline path reads text only. A picture is read by an OpenAI-compatible vision
model instead (``openai:MODEL``, e.g. a local vLLM or Ollama server with a vision model):
it describes the picture in the catalog's own words, and that description joins the user's
message on the normal request path ("something that looks like this poster" + "a dark
sci-fi poster, a spaceship over a desert planet" → Sci-Fi).
"""

from __future__ import annotations

from dataclasses import dataclass

from recpilot.errors import ConfigError
from recpilot.llm.base import LLM, LLMRequest, LLMResponse, Message

MAX_IMAGES = 4  # pictures read per request
MAX_WORDS = 40
PROMPT = (
    "You help a recommender read a picture a user sent with their request. Describe what "
    f"the picture shows in at most {MAX_WORDS} words, as words a catalog search can use: "
    "the kind of item, its genre or category, mood, era, colours, style. Prefer the "
    "catalog's own words where they fit. Catalogs:\n{catalogs}\n"
    "Answer with the description only; never invent a title you cannot read in the picture."
)


def check_image_url(url: str) -> str:
    """An http(s) URL or a data: URL of an image; ValueError (the caller's mistake) otherwise."""
    if url.startswith(("https://", "http://")) or url.startswith("data:image/"):
        return url
    raise ValueError("an image must be an http(s) URL or a data:image/... URL")


@dataclass(frozen=True)
class VisionReader:
    """Describes pictures through one OpenAI-compatible vision model."""

    llm: LLM

    def describe(self, images: list[str], request: str, catalogs: list[str]) -> LLMResponse:
        """One call: the pictures and the user's words in, a short description out."""
        if not images:
            raise ValueError("no picture to read")
        if len(images) > MAX_IMAGES:
            raise ValueError(f"{len(images)} pictures; at most {MAX_IMAGES} per request")
        system = PROMPT.format(catalogs="\n".join(f"- {c}" for c in catalogs) or "-")
        user = Message(
            role="user",
            content=request.strip() or "Find items like this picture.",
            images=[check_image_url(u) for u in images],
        )
        req = LLMRequest(
            messages=[Message(role="system", content=system), user], max_tokens=MAX_WORDS * 3
        )
        return self.llm.request(req)


def resolve_vision(spec: str | None) -> VisionReader | None:
    """``openai:MODEL`` → a reader over that model; None → no picture support. The embedded
    models read text only: naming one is a ConfigError, not a silent stand-in."""
    if not spec:
        return None
    if not spec.startswith("openai:"):
        raise ConfigError(
            f"vision model {spec!r}: pictures need an OpenAI-compatible vision model "
            "(openai:MODEL, with RECPILOT_LLM_BASE_URL); the embedded models read text only"
        )
    from recpilot.llm.spec import resolve_llm

    llm = resolve_llm(spec)
    if llm is None:  # unreachable for openai: specs; keeps the type exact
        raise ConfigError(f"vision model {spec!r} did not resolve")
    return VisionReader(llm)
