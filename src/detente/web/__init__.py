"""The web UI: server-rendered pages over the same services as the API, mounted under ``/ui``.

How it fits together
--------------------
* :mod:`detente.web.mount` adds the UI to the API's FastAPI app (``create_app`` calls :func:`install_web`):
  static files at ``/ui/static``, every page router from the registry, sign-in redirects, security headers,
  and ``/`` redirecting to ``/ui/``.
* :mod:`detente.web.session` holds sign-in: the session is an ordinary accounts-service session whose secret
  lives in an HttpOnly, SameSite=Lax cookie (Secure over TLS). Every POST under ``/ui`` must carry the form
  field ``csrf_token``; the web router checks it before any handler runs, so no form can forget it.
* :mod:`detente.web.context` gives each request a :class:`~detente.web.context.PageContext` (the principal,
  the store, the locale's :class:`~detente.web.formatting.Formatter`, the CSRF token, the navigation) and
  :func:`~detente.web.context.render`, which fills a Jinja2 template (autoescaped, undefined names are errors).
* :mod:`detente.web.charts` draws line, bar and heat-map charts as SVG with a table view beside each;
  :mod:`detente.web.geo` decodes Natural Earth TopoJSON (npm ``world-atlas``) into SVG country paths.

Adding a page
-------------
1. Write ``src/detente/web/pages/NAME.py`` with ``router = APIRouter()`` and routes under ``/ui/...``. A handler
   takes ``ctx: Page`` (the signed-in :class:`~detente.web.context.PageContext`; signing in is enforced),
   builds a typed view model (a frozen dataclass or pydantic model) from the services, always passing
   ``ctx.principal`` so markings filter every row and count, and returns ``render(ctx, "NAME.html", view)``.
2. Write ``src/detente/web/templates/NAME.html`` extending ``base.html``; it only renders ``view`` (no
   queries, no arithmetic). Charts render with ``{{ chart(view.some_chart) }}`` from ``macros.html``.
3. Add one :class:`~detente.web.registry.PageSpec` line to :data:`~detente.web.registry.PAGES` (module and,
   if it belongs in the navigation, its label and address).
4. Forms post with ``<input type="hidden" name="csrf_token" value="{{ ctx.csrf_token }}">`` and answer with a
   303 redirect (post/redirect/get).
"""

from __future__ import annotations

__all__: list[str] = []
