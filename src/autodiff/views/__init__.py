"""What a learner sees: tables, graph drawings, the chain rule (rendering only, no arithmetic)."""
