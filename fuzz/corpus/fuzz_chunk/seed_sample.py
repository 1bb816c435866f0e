`"""Module docstring for the sample."""
import os

# Retry settings used by the client.
RETRY_TABLE = {
    "default": 3,
    "slow": 10,
}
LIMIT = 5


# Connects with exponential backoff.
def connect(host, port):
    """Open a connection."""
    return (host, port)


class Client(object):
    """A small client."""

    timeout = 30

    def __init__(self, host):
        self.host = host

    # Sends one request.
    @staticmethod
    def send(data):
        """Send data."""
        return data

    async def close(self):
        pass


if __name__ == "__main__":
    connect("a", 1)
