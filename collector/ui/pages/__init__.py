"""UI pages, one module per area; each exports its endpoints for ``collector.ui.routes``."""
