"""The rules of a managed migration, one concern a module; domain/migration/decide.py
dispatches to them."""
