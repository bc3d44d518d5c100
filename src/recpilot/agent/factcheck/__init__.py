"""The LLM's introduction checked against the catalog rows of the items it talks about.

A small model states facts it does not have: "The Secret Without End is a mystery novel by
Yuki Tanabe" (the catalog says Noor Haddad), films credited to the wrong director, plots it
made up. This module finds the statements a sentence makes and checks each one against the
rows, knowing nothing about the domain beyond the catalog's attribute specs and values:

* a value of any categorical attribute ("mystery", "Noor Haddad", "red") claims that the
  item has it; a negated one ("no horror") that it has not;
* a number with a cue (a year, a decade, a currency amount, a unit or word that names a
  numeric attribute, a comparison such as "before 1990") is compared with the item's
  numeric attributes;
* a statement the data could only back with an attribute the catalog lacks ("directed by",
  "starring", "won an Oscar", "based on a true story", plot phrases, a person's name) is
  *unsupported*; where the catalog does have such an attribute, the claim is checked
  against it, and plot phrases against the item's text attributes.

A statement is about the item whose title the sentence names (the nearest title before it,
else the first after it); a sentence that names none speaks about the listed set, and a
claim about the set holds when at least one listed item bears it out. :func:`rewrite` keeps
the sentences with no contradicted or unsupported statement. An agent builds one
:class:`FactChecker` per catalog (it reads the catalog's titles and values once);
:func:`checked_intro` does build, check and rewrite in one call.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .checker import FactChecker
from .records import DROPPED_NOTE, FactCheck, Statement, Verdict

if TYPE_CHECKING:
    from recpilot.catalog.schema import Item
    from recpilot.catalog.store import Catalog

__all__ = [
    "DROPPED_NOTE",
    "FactCheck",
    "FactChecker",
    "Statement",
    "Verdict",
    "checked_intro",
    "rewrite",
]


def rewrite(check: FactCheck) -> str:
    """The text without its contradicted and unsupported sentences ("" when none is left)."""
    return " ".join(check.kept)


def checked_intro(text: str, items: list[Item], catalog: Catalog) -> tuple[str, FactCheck]:
    """The introduction to show (``""``: use the template reply) and the check behind it."""
    check = FactChecker.from_catalog(catalog).check(text, items)
    return rewrite(check), check
