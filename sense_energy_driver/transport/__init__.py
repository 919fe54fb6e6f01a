"""Transports: the only modules that import httpx or websockets, translating their errors once."""

from __future__ import annotations

from .http import HttpResponse, HttpTransport

__all__ = ["HttpResponse", "HttpTransport"]
