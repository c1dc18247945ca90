"""brokerage: a self-hosted retail brokerage platform."""

__version__ = "0.1.0"
