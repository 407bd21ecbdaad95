"""Rate limits kept in the process: a sliding window of recent events per key (a client's
address, a subscriber's address), with a bounded number of keys."""

from __future__ import annotations

import collections
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    """How much the service accepts.

    posts_per_minute: subscribe requests from one client address in a minute.
    mails_per_hour: confirmation mails to one address in an hour.
    keys: how many client and subscriber addresses each window remembers (the oldest are
        forgotten first), so that memory stays bounded whatever arrives.
    """

    posts_per_minute: int = 10
    mails_per_hour: int = 3
    keys: int = 10_000


class Window:
    """At most `count` events per key within `seconds`; `allow(key)` records one if it may."""

    def __init__(
        self, count: int, seconds: float, keys: int, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.count, self.seconds, self.keys, self.clock = count, seconds, keys, clock
        self._events: collections.OrderedDict[str, collections.deque[float]] = (
            collections.OrderedDict()
        )
        self._lock = threading.Lock()

    def allow(self, key: str) -> bool:
        """Whether one more event for `key` is within the limit (it is then counted)."""
        now = self.clock()
        with self._lock:
            events = self._events.pop(key, None) or collections.deque(maxlen=self.count)
            while events and events[0] <= now - self.seconds:
                events.popleft()
            allowed = len(events) < self.count
            if allowed:
                events.append(now)
            self._events[key] = events
            while len(self._events) > self.keys:
                self._events.popitem(last=False)
            return allowed

    def __len__(self) -> int:
        return len(self._events)
