"""Payment arrangements: APAs, managed payments to landlords and third party
deductions (docs/rules.md#apa, docs/rules.md#third-party-deductions)."""
