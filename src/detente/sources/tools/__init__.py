"""Maintainer tools for source declarations (not used at run time)."""
