"""The `sense-energy-driver` console script: demo, run, command, history, simulate."""

from __future__ import annotations

from .main import build_parser, main

__all__ = ["build_parser", "main"]
