"""The sans-I/O codec: RFC 6455 and RFC 7692 as data (fields, violations, steps, values), no I/O, no views.

Frames: ``frame_header`` (the header declared once), ``frames``, ``frame_fields``, ``frame_builder``,
``frame_parser``, ``frame_rules`` and ``rules`` (each rule once), ``masking``, ``close``, ``utf8``,
``assembler``. The opening handshake: ``http`` and ``http_message`` (HTTP framing), ``headers`` (RFC 7230
grammar), ``header_meanings``, ``handshake``, ``accept``, ``check_step``, ``server_decision``,
``client_check``. Extensions: ``extensions/``. Subprotocols: ``subprotocols/`` (decoders chosen by the
negotiated name: GraphQL over WebSocket, Socket.IO/Engine.IO, MQTT, STOMP, WAMP, JSON; a registry to add
more). ``role`` names the two ends.
"""
