"""Footfall event visualizer: the point-and-click overlay and its selector engine."""
