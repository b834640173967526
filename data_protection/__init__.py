"""Data protection: a citizen's rights of access and erasure (rights.py: one forget and one export
behind the command line, the Rasa server's private endpoints and the gateway), the retention purge
(retention.py) and the SQL tracker-store access both need (tracker_db.py). No Rasa import."""
