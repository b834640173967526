class Clock:
    """A clock for the rate limits (rasa_server/limits.py) that stands still until the test moves it."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now
