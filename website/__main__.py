"""`python -m website`: the demo site with the chat widget (website/server.py)."""
from website.server import main

main()
