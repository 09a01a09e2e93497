"""One error tree for the whole project.

    NewsEventsError
    ├── TransientError            retry may help
    │   ├── FetchTimeout          connect/read/total timeout
    │   ├── ServerBusy            HTTP 429 / 5xx (carries retry_after seconds)
    │   └── DatabaseLocked        another process holds the DuckDB file
    └── TerminalError             retrying will not help
        ├── ConfigError           bad settings or feeds file (file, line, reason)
        ├── RuleError             bad rule file (file, line, reason)
        ├── BlockedURL            scheme not allowed, private address, robots.txt
        ├── HTTPStatusError       4xx other than 429
        ├── ResponseTooLarge      body over the size cap
        ├── ExtractionError       page yields no usable text (reason)
        └── MigrationError        schema checksum mismatch or failed migration

Third-party errors are translated at the boundary with ``raise ... from exc`` and
the URL, feed or file in the message.
"""

from __future__ import annotations


class NewsEventsError(Exception):
    """Root of every error this project raises on purpose."""


class TransientError(NewsEventsError):
    """A failure that may go away on retry."""


class TerminalError(NewsEventsError):
    """A failure that retrying will not fix."""


class FetchTimeout(TransientError):
    pass


class ServerBusy(TransientError):
    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DatabaseLocked(TransientError):
    pass


class LocatedError(TerminalError):
    """An error in a data file, pointing at the file and line."""

    def __init__(self, path: str, line: int | None, reason: str) -> None:
        self.path = str(path)
        self.line = line
        self.reason = reason
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {reason}")


class ConfigError(LocatedError):
    pass


class RuleError(LocatedError):
    pass


class BlockedURL(TerminalError):
    pass


class HTTPStatusError(TerminalError):
    def __init__(self, message: str, status: int) -> None:
        super().__init__(message)
        self.status = status


class ResponseTooLarge(TerminalError):
    pass


class ExtractionError(TerminalError):
    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class MigrationError(TerminalError):
    pass
