"""The single scheduler process: evaluation after imports and nightly, the inbox, webhooks."""
