"""Channel adapters: each verifies and parses its platform's requests into `InboundEvent`s and
sends `OutboundMessage`s; nothing else. One module per channel."""
