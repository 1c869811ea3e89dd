"""The UC case: state, commands, events, decide and evolve."""
