"""Analysis for decisions: dossiers, networks, the coalition builder, force generation, alliance reliability.

Each analysis is a plain service function over a :class:`~detente.store.database.Store` that returns a
Pydantic model carrying its citations, so the CLI (``detente dossier``, ``network``, ``coalition``,
``forcegen``, ``reliability``) and a REST route only render it:

* :func:`detente.analysis.dossiers.country_dossier`, :func:`~detente.analysis.dossiers.pair_dossier`
* :func:`detente.analysis.networks.network`, :func:`~detente.analysis.networks.bloc_changes`
* :func:`detente.analysis.coalition.rank`, :func:`~detente.analysis.coalition.backtest`
* :func:`detente.analysis.forcegen.generate`
* :func:`detente.analysis.reliability.reliability`

Yearly pair figures come from the panel enrichers through one cached table (:mod:`.relations`); what each
party promised, the weapon systems and the user's records come from the domain tables (:mod:`.ties`).
"""
