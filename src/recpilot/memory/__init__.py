"""Durable memory and lifelong personalisation: store, profile, dialogue bounds, retrieval,
reflection, proactive and cold-start recommendations, privacy controls."""
