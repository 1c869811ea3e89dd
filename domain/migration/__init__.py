"""Managed migration and transitional protection (docs/rules.md#managed-migration,
docs/rules.md#transitional-protection)."""
