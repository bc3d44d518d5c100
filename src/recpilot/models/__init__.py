"""Recommender models: one :class:`~recpilot.models.base.Recommender` interface, many scorers.

Import a model from its module (``recpilot.models.ease.EASE``) or by name through
:mod:`recpilot.models.registry`; this package imports nothing heavy on its own.
"""
