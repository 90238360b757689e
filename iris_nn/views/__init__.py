"""Views: the figure registry and the figures, the report page, and text for people."""
