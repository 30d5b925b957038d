"""blueprint: the offline engine and CLI of fintech-blueprint (``blueprint plan``, ``blueprint policy eval``)."""

__version__ = "0.1.0"
