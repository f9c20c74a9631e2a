"""Stand-in servers for the platforms the bot talks to, on loopback."""
