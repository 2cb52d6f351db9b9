"""The UI's pages, one module each; :data:`detente.web.registry.PAGES` lists them."""
