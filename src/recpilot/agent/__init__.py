"""The agent: plan (LLM or rules) → validate → execute tools over the bus → grounded reply."""
