"""Typed stack configuration and the one composition used by every environment."""
