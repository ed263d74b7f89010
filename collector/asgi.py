"""The ASGI entry point uvicorn imports: settings from the environment, read once here."""

from __future__ import annotations

import os

from collector.app import create_app
from collector.settings import Settings

app = create_app(Settings.from_mapping(os.environ))
