"""wsexplorer: an inspectable WebSocket codec and explorer."""
