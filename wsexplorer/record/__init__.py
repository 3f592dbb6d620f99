"""Recordings as data: no network, no clock, no drawing.

- ``session``: every byte of a connection with its time and direction; ``loopback``: two sans-I/O
  connections wired in memory and recorded.
- ``replay`` and ``context``: the one path from recorded frames to messages, in their connection's
  context; ``summary``: counts, bytes, compression, round trips.
- ``frame_index``, ``frame_search``, ``search``: both directions' frames in time order, filtered and
  searched (for tables of any size).
- ``storage``, ``zip_reader``, ``journal``, ``file_checks``: the session file formats (ZIP and
  append-only journal), read with every size checked; ``redact``: credentials kept out of files.
- ``export``: messages as CSV or JSON, frames as a DataFrame.
- Captures: ``pcap`` (import), ``capture_file``, ``packet_decode``, ``tcp`` and ``tcp_pieces`` (TCP
  reassembly), ``ws_scan``, ``capture``, ``capture_connection``, ``tls_hello``; ``pcapng_export``;
  ``har`` (HAR in and out).
"""
