"""The sync engine: settings, state store, model, classify, match, plan, apply, run."""
