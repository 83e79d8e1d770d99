"""postdocs: posting and postback instructions for pay-per-call partners, from a YAML catalogue."""

__version__ = "0.1.0"
