"""The evaluators of the seven rule kinds, one module each, all in bulk over Polars evidence frames."""
