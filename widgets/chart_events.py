"""ChartEvents: clicks and selections on a :class:`widgets.base.Chart`, sent to Python.

A chart drawn by plotly's renderer answers no clicks by itself; this widget (a few lines of JavaScript, no
plotly.js of its own) finds the chart's plotly graph on the page, listens to its click, lasso/box selection and
double-click events, and sends the points' ``customdata`` and ``id`` to the kernel. Unlike a ``FigureWidget``
(~5 MB of state each), it initialises well inside anywidget's 2-second limit on a busy page, so Voila keeps it.

>>> from widgets.base import Chart
>>> chart = Chart()
>>> events = ChartEvents(chart)
>>> events.target in chart._dom_classes
True
>>> seen = []
>>> events.on_event(seen.append)
>>> events._receive(events, {"kind": "select", "customdata": [3, 7], "ids": [None, None]}, [])
>>> seen
[{'kind': 'select', 'customdata': [3, 7], 'ids': [None, None]}]
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import anywidget
import ipywidgets as W
import traitlets

__all__ = ["ChartEvents"]

# Hooks the chart's graph as soon as plotly builds it: the chart's output is replaced on every redraw (a new graph
# div each time), drawn before or after this view. A MutationObserver runs before the browser paints the new graph,
# so no click can reach it unhooked (a 0.3 s poll missed clicks made just after a redraw). A graph is hooked once.
_ESM = r"""
function hook(gd, model) {
  if (!gd.on || gd.__clioEvents === model) return;
  gd.__clioEvents = model;
  const send = (kind) => (event) => {
    const points = (event && event.points) || [];
    model.send({kind, customdata: points.map((p) => (p.customdata === undefined ? null : p.customdata)),
                ids: points.map((p) => (p.id === undefined ? null : p.id))});
  };
  gd.on("plotly_selected", (event) => { if (event) send("select")(event); });
  gd.on("plotly_click", send("click"));
  gd.on("plotly_deselect", send("deselect"));
  gd.on("plotly_relayout", () => {  // the axes' ranges after a zoom or pan (null: autoscaled), kept on redraws
    const range = (axis) => (axis && !axis.autorange && axis.range ? Array.from(axis.range) : null);
    const layout = gd._fullLayout || {};
    if (!layout.xaxis) return;  // no axes to keep (a sunburst)
    model.send({kind: "zoom", x: range(layout.xaxis), y: range(layout.yaxis), customdata: [], ids: []});
  });
  gd.setAttribute("data-clio-events", "on");  // hooked: clicks on this graph now reach Python
}
export default {
  render({ model, el }) {
    const scan = () => {
      for (const gd of document.querySelectorAll("." + model.get("target") + " .js-plotly-plot")) hook(gd, model);
    };
    scan();
    const observer = new MutationObserver(scan);
    observer.observe(document.body, {childList: true, subtree: true});
    return () => observer.disconnect();
  },
};
"""


class ChartEvents(anywidget.AnyWidget):
    """Events of ``chart`` (a :class:`widgets.base.Chart`): ``on_event(callback)`` calls ``callback(message)`` with
    ``{"kind": "click" | "select" | "deselect", "customdata": [...], "ids": [...]}`` (one entry per point), and
    ``{"kind": "zoom", "x": [x0, x1] | None, "y": [y0, y1] | None}`` after a zoom or pan of a chart with axes
    (``None``: autoscaled)."""

    _esm = _ESM
    #: the CSS class that marks the chart on the page
    target = traitlets.Unicode("").tag(sync=True)

    def __init__(self, chart: W.DOMWidget, **kwargs: Any) -> None:
        target = f"clio-chart-{uuid.uuid4().hex[:12]}"
        chart.add_class(target)
        super().__init__(target=target, layout=W.Layout(display="none"), **kwargs)
        self._callbacks: list[Callable[[dict[str, Any]], None]] = []
        self.on_msg(self._receive)

    def on_event(self, callback: Callable[[dict[str, Any]], None]) -> None:
        """Call ``callback(message)`` on every click, selection, double-click (deselect) and zoom in the browser."""
        self._callbacks.append(callback)

    def _receive(self, _widget: Any, content: Any, _buffers: Any) -> None:
        if isinstance(content, dict) and content.get("kind") in ("click", "select", "deselect", "zoom"):
            for callback in self._callbacks:
                callback(content)
