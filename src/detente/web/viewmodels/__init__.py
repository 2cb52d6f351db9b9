"""View models of the web pages: typed values built from the services for one signed-in user.

Each module here answers one page's question (the compliance board, engagements, cases, reports,
negotiations, peacekeeping) with frozen dataclasses. The page routes call these builders and the templates
only render the result: no query, no rule and no arithmetic lives in a template. Every read goes through
:class:`detente.services.reading.Reader` (or, for evidence tables the catalog does not list, through the same
:func:`detente.services.access.visible` filter), so the user's markings apply to every row, count and chart.
"""
