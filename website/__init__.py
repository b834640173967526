"""The demo web site: the page with the chat widget and the /privacy page (server.py)."""
