"""``GET <script_prefix>/<script_name>``: the portal's tracking script, and its debug script.

Rendered from ``snippets`` on request (cheap: the core is minified once), with a strong
ETag, ``304`` on ``If-None-Match``, a short ``Cache-Control`` so definition changes reach
sites within minutes, and brotli/gzip compression cached per ETag.
"""

from __future__ import annotations

import gzip
import hashlib
from collections import OrderedDict

import brotli
from starlette.convertors import Convertor, register_url_convertor
from starlette.requests import Request
from starlette.responses import Response

from collector.api.common import services
from collector.errors import NotFound
from collector.jsapi.state import tracking_state
from collector.settings import Settings
from snippets import config, render

CACHE_CONTROL = "public, max-age=300"


class PortalIdConvertor(Convertor[int]):
    """A portal id in a script path: at most 19 digits, so that a longer number is a 404
    (Starlette's ``int`` convertor takes any length, and ``int()`` refuses 4,300 digits)."""

    regex = "[0-9]{1,19}"

    def convert(self, value: str) -> int:
        return int(value)

    def to_string(self, value: int) -> str:
        return str(value)


register_url_convertor("portal_id", PortalIdConvertor())
PORTAL_ID = "{portal_id:portal_id}"  # the path parameter of the script routes
DEBUG_DIR = "footfall-debug"
OVERLAY_DIR = "footfall-visualizer"
_compressed: OrderedDict[tuple[str, str], bytes] = OrderedDict()


def script_path(settings: Settings) -> str:
    return f"{settings.script_prefix}/{settings.script_name.replace('{portal}', PORTAL_ID)}"


def script_url(request: Request, portal_id: int) -> str:
    """The absolute URL of the portal's tracking script, as this request reached the server."""
    path = script_path(services(request).settings).replace(PORTAL_ID, str(portal_id))
    return str(request.base_url).rstrip("/") + path


def debug_path(settings: Settings, portal_id: int | str) -> str:
    return f"{settings.script_prefix}/{DEBUG_DIR}/{portal_id}.js"


def overlay_path(settings: Settings, portal_id: int | str) -> str:
    return f"{settings.script_prefix}/{OVERLAY_DIR}/{portal_id}.js"


def misses_path(settings: Settings) -> str:
    return f"{settings.collect_path.rstrip('/')}/misses"


def _encoding(accept: str) -> str:
    offered = {part.split(";")[0].strip().lower() for part in accept.split(",")}
    return "br" if "br" in offered else "gzip" if "gzip" in offered else "identity"


def _compress(etag: str, encoding: str, body: bytes) -> bytes:
    key = (etag, encoding)
    found = _compressed.get(key)
    if found is None:
        found = brotli.compress(body, quality=11) if encoding == "br" else gzip.compress(body, 9)
        _compressed[key] = found
        if len(_compressed) > 2048:
            _compressed.popitem(last=False)
    return found


def javascript(request: Request, text: str) -> Response:
    body = text.encode("utf-8")
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    headers = {"ETag": etag, "Cache-Control": CACHE_CONTROL, "Vary": "Accept-Encoding",
               "Access-Control-Allow-Origin": "*"}
    if etag in request.headers.get("if-none-match", ""):
        return Response(status_code=304, headers=headers)
    encoding = _encoding(request.headers.get("accept-encoding", ""))
    if encoding != "identity":
        body = _compress(etag, encoding, body)
        headers["Content-Encoding"] = encoding
    return Response(body, headers=headers, media_type="application/javascript; charset=utf-8")


async def tracking_script(request: Request) -> Response:
    portal_id: int = request.path_params["portal_id"]
    svc = services(request)
    tracking = await tracking_state(request).cache.get(portal_id)
    if tracking is None:
        raise NotFound(f"No portal {portal_id}")
    definitions = (await svc.definitions.get(portal_id)).values()
    slot = config.tracker_config(portal_id, tracking, svc.settings.collect_path,
                                 debug_path(svc.settings, portal_id), definitions)
    auto = config.autotrack_config(portal_id, overlay_path(svc.settings, portal_id),
                                   misses_path(svc.settings), definitions)
    return javascript(request, render.autotrack_script(auto)
                      + render.tracking_script(slot, config.consent_config(tracking)))


async def debug_script(request: Request) -> Response:
    portal_id: int = request.path_params["portal_id"]
    svc = services(request)
    tracking = await tracking_state(request).cache.get(portal_id)
    if tracking is None:
        raise NotFound(f"No portal {portal_id}")
    definitions = (await svc.definitions.get(portal_id)).values()
    slot = config.debug_config(portal_id, definitions, svc.settings.limits,
                               svc.settings.allow_headless, tracking)
    return javascript(request, render.debug_script(slot))
