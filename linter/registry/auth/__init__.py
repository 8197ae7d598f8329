"""Authentication: challenges, credentials (Docker config, helpers), tokens, the auth flow."""
