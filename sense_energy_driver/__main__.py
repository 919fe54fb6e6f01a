"""`python -m sense_energy_driver`: the same CLI as the `sense-energy-driver` console script."""

from __future__ import annotations

from .cli.main import main

raise SystemExit(main())
