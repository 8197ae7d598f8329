"""The HTTP layer: imagepin's own sockets, HTTP/1.1 and TLS under httpx, size limits, retries."""
