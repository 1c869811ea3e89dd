"""Managed migration and transitional protection (DOMAIN.md section 2)."""
