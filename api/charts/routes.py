"""/v1/charts/{kind}: parsed like the collections, gathered with the services, specified
in Vega-Lite, drawn in the format asked for (in the render processes), cached."""

from __future__ import annotations

from api.charts.kinds import CHARTS, Chart, url
from api.charts.page import CSP, chart_page
from api.charts.render import Renderer
from api.http.endpoint import Body, Call, Doc, Endpoint
from api.services.params import Param, integer

FORMATS = ("svg", "png", "vl", "html")
SCALE = Param(integer(1, 3), "PNG pixel density, 1..3 (default 1)",
              {"type": "integer", "minimum": 1, "maximum": 3})


def endpoint(chart: Chart) -> Endpoint:
    async def handle(call: Call) -> Body:
        state = call.state
        wanted = chart.request.build(call.params)
        data = await state.run(chart.gather, wanted)
        data_url = chart.data_url(wanted)
        spec = chart.spec(data, call.lang, state.version, data_url,
                          f"{state.settings.public_url}{data_url}")
        renderer = state.part(Renderer)
        if call.fmt != "html":
            return Body(await renderer.render(spec, call.fmt, call.params.get("scale", 1)),
                        list(chart.headers))
        svg = (await renderer.render(spec, "svg")).decode()
        query = {k: v for k, v in call.request.query_params.items() if k != "format"}
        page = chart_page(chart.kind, spec, svg, call.lang,
                          url(call.request.url.path, **query, format="vl"))
        return Body(page, [(b"content-security-policy", CSP.encode()), *chart.headers])

    return Endpoint(f"/v1/charts/{chart.kind}", f"get_{chart.kind}_chart", chart.summary,
                    handle=handle, params={**chart.request.PARAMS, "scale": SCALE},
                    formats=FORMATS, lang=True, tag="charts", doc=Doc(responses=(404, 503)),
                    variant=chart.variant)


ENDPOINTS: list[Endpoint] = [endpoint(c) for c in CHARTS]
