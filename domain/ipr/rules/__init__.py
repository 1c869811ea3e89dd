"""The rules of an IPR, one concern a module; domain/ipr/decide.py dispatches to them."""
