"""Redis access: the client, the embedded server, and every key the service uses."""

from bot.store.keys import Keys
from bot.store.redis import EmbeddedRedis, open_store

__all__ = ["EmbeddedRedis", "Keys", "open_store"]
