"""The tool set a planner can call, and each tool's LLM-facing schema with the catalog's
real vocabulary written in."""

from __future__ import annotations

import copy
from typing import Any

from recpilot.catalog.schema import AttributeKind
from recpilot.catalog.store import Catalog
from recpilot.tools.base import Tool, ToolArgs
from recpilot.tools.ranking import Finalize, LookupItems, Rank
from recpilot.tools.retrieval import RetrieveSemantic, RetrieveSimilar
from recpilot.tools.search import SearchCatalog

MAX_VALUES_PER_ATTRIBUTE = 4


def default_tools() -> dict[str, Tool[Any]]:
    """A fresh tool set (tools are stateless; state lives in the turn's context)."""
    tools: list[Tool[Any]] = [
        SearchCatalog(),
        RetrieveSimilar(),
        RetrieveSemantic(),
        Rank(),
        LookupItems(),
        Finalize(),
    ]
    return {tool.name: tool for tool in tools}


def grounded_schema(tool: Tool[Any], catalog: Catalog) -> dict[str, Any]:
    """The tool's argument schema with catalog vocabulary as enums and bounds.

    ``search_catalog``'s free-form attribute maps become objects with one property per real
    attribute: categorical values as an enum (bounded list), numeric bounds as min/max.
    """
    schema = _inline(tool.schema())
    if tool.name != "search_catalog":
        return schema
    categorical: dict[str, Any] = {}
    ranges: dict[str, Any] = {}
    for spec in catalog.attributes:
        if spec.kind == AttributeKind.categorical:
            values = catalog.categorical_values(spec.name)
            if 0 < len(values) <= 200:
                categorical[spec.name] = {
                    "type": "array",
                    "items": {"type": "string", "enum": values},
                    "maxItems": MAX_VALUES_PER_ATTRIBUTE,
                }
        elif spec.kind == AttributeKind.number and (bounds := catalog.numeric_range(spec.name)):
            low, high = bounds
            number = {"type": ["integer", "null"], "minimum": int(low), "maximum": int(high) + 1}
            ranges[spec.name] = {
                "type": "object",
                "properties": {"min": number, "max": number},
                "additionalProperties": False,
            }
    props = schema["properties"]
    for key in ("include", "exclude"):
        props[key] = {"type": "object", "properties": categorical, "additionalProperties": False}
    props["ranges"] = {"type": "object", "properties": ranges, "additionalProperties": False}
    return schema


def _inline(schema: dict[str, Any]) -> dict[str, Any]:
    """Resolve local ``$ref``s and drop titles: small models read flat schemas better."""
    defs = schema.get("$defs", {})

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if "$ref" in node:
                return walk(copy.deepcopy(defs[node["$ref"].split("/")[-1]]))
            return {k: walk(v) for k, v in node.items() if k not in ("title", "$defs")}
        if isinstance(node, list):
            return [walk(v) for v in node]
        return node

    out: dict[str, Any] = walk(schema)
    return out


def parse_args(tool: Tool[Any], raw: dict[str, Any]) -> ToolArgs:
    """Validate raw arguments against the tool's model (raises pydantic.ValidationError)."""
    return tool.args_model.model_validate(raw)
