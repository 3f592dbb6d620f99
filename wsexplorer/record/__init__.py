"""Recordings: ``session`` (every byte with time and direction), ``replay`` and ``context`` (the one path
from recorded frames to messages, in context), ``summary``, ``storage`` (the session file format, a
DataFrame) and ``loopback`` (two connections wired in memory)."""
