"""Evaluation: offline splits and full-ranking metrics (RecBole-comparable), reports.

``splits`` → ``metrics`` → ``offline`` (train and rank) → ``report`` (markdown, JSON, PNG).
Conversational evaluation lives in sibling modules.
"""
