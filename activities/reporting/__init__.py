"""The reporting read model: tasks, payment arrangements, migrations, sustainment
actions, the move onto UC and the arrears plan, projected from a case's events
(`events.apply_event`), and the daily Work Available Report built from them
(`work_available`). No personal data: no names, addresses or free text."""
