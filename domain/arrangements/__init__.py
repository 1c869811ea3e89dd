"""Payment arrangements: APAs, managed payments to landlords and third party
deductions (DOMAIN.md 1.3 and 1.4)."""
