"""Stored read models: current state in tables beside the events, kept in step inside each
append's transaction, plus an index of events by the entities they touch and their valid time
so that a time-travel query on one entity reads that entity's events only."""
