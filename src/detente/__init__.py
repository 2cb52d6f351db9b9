"""detente: an open defence-diplomacy information system."""

__version__ = "0.1.0"
