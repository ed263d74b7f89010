"""The management UI: server-rendered Jinja2 pages under ``/app`` (SPEC section 8).

Layout::

    routes.py     ROUTES (paths relative to /app) and ui_app(), mounted by create_app
    session.py    the signed, expiring session cookie (portal, token hash, CSRF, flashes)
    csrf.py       checked_form(): Origin check + the session's CSRF token on unsafe methods
    security.py   CSP and other headers on every UI response
    access.py     portal_page / admin_page decorators: who is signed in, scoped to a portal
    render.py     render(request, template, context, status=200), redirect(), static_url()
    forms.py      reading form fields; FieldErrors → {field: "Label: message"}
    errors.py     the UI's exceptions → HTML error pages (403, 404, 500), in one place
    pages/        one module per area: auth, events, definition, settings, detail, …
    templates/    base.html (layout + nav), macros.html (form fields), one folder per area
    static/       ui.css, ui.js (copy buttons, small enhancements); /app/static/…?v=<hash>

How to add a page
-----------------
1. Endpoint in ``pages/<area>.py``, wrapped in ``@portal_page``; it receives the request
   and a ``Viewer`` and must scope every read and write to ``viewer.portal_id``. Raise
   ``collector.errors.NotFound`` for anything the portal does not own (→ 404 page)::

       @portal_page
       async def contact(request: Request, viewer: Viewer) -> Response:
           found = await services(request).store.get_object(viewer.portal_id, "CONTACT", cid)
           if found is None:
               raise NotFound("No such contact")
           return render(request, "contacts/detail.html", {"contact": found})

2. Template ``templates/<area>/<page>.html`` that ``{% extends "base.html" %}`` and fills
   ``{% block title %}`` and ``{% block content %}``. Autoescape is on: never ``|safe`` user
   data. No inline ``<script>``, ``style=`` or ``on*=`` attributes (the CSP forbids them):
   use classes from ``static/ui.css`` and ``data-*`` hooks read by ``static/ui.js``.

3. Forms: ``<form method="post">`` with ``{{ csrf_field() }}`` inside (the hidden CSRF
   input; ``@portal_page`` rejects unsafe requests without it with a 403 page). Field
   helpers: ``{% import "macros.html" as ui %}`` then ``ui.input(name, label, value, errors)``,
   ``ui.textarea``, ``ui.select``, ``ui.form_errors(errors)``, ``ui.copy_block(id, text)``,
   ``{% call ui.empty_state(title, text) %}<a …>next step</a>{% endcall %}``.
   After a successful POST, ``return redirect(path, "Saved.", request=request)`` (303 +
   flash message); on errors re-render the form with ``status=400`` and
   ``errors=field_errors(exc.errors, LABELS)`` so each message names its field.

4. Register it in ``routes.ROUTES``: ``Route("/contacts/{contact_id}", contacts.detail,
   methods=["GET"])``. The nav (Events, Contacts, Import, Settings) lives in ``render._NAV``.
"""
