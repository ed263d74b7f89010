"""HTTP endpoints, one module per resource; ``collector.app`` lists their routes."""
