"""`python -m sense_energy_driver.simulator`: the simulate command on its own."""

from __future__ import annotations

from .cli import main

raise SystemExit(main())
