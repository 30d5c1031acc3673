"""Small helpers every process shares: where things are, and key files."""
