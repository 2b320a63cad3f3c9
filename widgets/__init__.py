"""Interactive exploration of a clio-kit run in JupyterLab or Voila, built only on the privacy-gated view.

Every explorer takes a ``Run`` or a :class:`clio_kit.PrivacyView` and reads nothing but the view's aggregates
(never conversations, facets or ``Run.raw``). Each displays itself as live ipywidgets and exports a static,
self-contained HTML version with ``.to_html()``.

>>> import widgets
>>> sorted(widgets.__all__)[:3]
['BaseRateExplorer', 'ClusterMap', 'ExploreTab']
>>> # tab = widgets.explore(clio_kit.open_run("runs/demo"))
"""

from __future__ import annotations

from .base_rates import BaseRateExplorer
from .cluster_map import ClusterMap
from .data import GatedData
from .explore import ExploreTab, explore
from .facet_view import FacetExplorer
from .hierarchy import HierarchyExplorer
from .monitoring import MonitoringExplorer

__all__ = ["BaseRateExplorer", "ClusterMap", "ExploreTab", "FacetExplorer", "GatedData", "HierarchyExplorer",
           "MonitoringExplorer", "explore"]
