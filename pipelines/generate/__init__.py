"""`cspulse generate`: seeded, realistic canonical exports (the samples and the bench's data)."""

from pipelines.generate.generator import DEFAULT_END, generate

__all__ = ["DEFAULT_END", "generate"]
