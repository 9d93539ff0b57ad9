"""The record in the formats the field uses (docs/api.md §11): one registry of renderers
(`registry`), each a pure function from a `Record` (`record`) to text chunks, and the one
function that reads a negotiation's record from storage for them (`reading`)."""
