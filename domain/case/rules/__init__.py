"""The rules of a UC case, one concern a module; domain/case/decide.py dispatches to them."""
