"""The sans-I/O connection (RFC 6455 §4-§7): ``connection`` on ``states`` (the table), ``opening`` (the
handshake), ``receiver`` and ``sender`` (frames in and out), ``events``, and ``misbehaviour`` (rules
broken on purpose, for teaching)."""
