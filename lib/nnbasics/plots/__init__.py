"""Drawing for the lecture's pictures, with matplotlib onto an ``Axes`` you give (no widgets here).

Each picture is a small class built once (it makes its artists) whose ``update(...)`` changes
those artists in place (``set_array``, ``set_segments``, ``set_height``, ``set_text``), so a
slider callback never re-creates anything and a redraw stays fast:

    diagram = NetworkDiagram(ax, [2, 4, 4, 3], probs=True)   # x → h1 → h2 → o → p(c|x)
    o, cache = nb.fprop(params, x)                          # x: (D,)
    diagram.update(params, acts=cache)

    tiling = RegionPlot(ax, xlim=(-3, 3), ylim=(-2, 2.5))   # the piecewise-linear tiling
    tiling.update(params, regions=nb.linear_regions(params, box))

    bars = ProbBars(ax, n_classes=3)                        # p(c|x) as bars, the true class marked
    bars.update(p, y=2)

Modules: ``style`` (the suite's colours), ``network_diagram``, ``tiling``, ``bars``,
``decision`` (decision regions of a 2-D classifier), ``curves`` (learning curves), ``digits``
(notebook 08's static pictures), ``axes`` (tick helpers), ``frozen`` (:class:`FrozenBackground`,
the fast-redraw mechanism of the apps) and ``record`` (what matplotlib draws, as vectors for a
browser). Everything below is importable from ``nnbasics.plots``.
"""
from .axes import nice_above, nice_below, plain_log_ticks
from .bars import ProbBars
from .curves import LearningCurves
from .decision import DecisionPanel, class_marker_paths, decision_rgb, rgba8
from .digits import plot_confusion, plot_search, plot_unit_weights
from .frozen import FrozenBackground
from .network_diagram import NetworkDiagram, layer_labels
from .style import (
    CLASS_COLOURS,
    CLASS_MARKERS,
    HIGHLIGHT,
    NEGATIVE,
    NEGATIVE_TEXT,
    NODE_CMAP,
    OKABE_ITO,
    ON_COLOUR,
    OPTIMIZER_COLOURS,
    OPTIMIZER_NAMES,
    POSITIVE,
    SHARED_COLOUR,
    WEIGHT_CMAP,
    WIDE,
    contrast_ratio,
    text_colour_on,
)
from .tiling import RegionPlot, level_segments, pattern_colours, segments_path

__all__ = ["NetworkDiagram", "layer_labels", "RegionPlot", "pattern_colours", "level_segments", "segments_path",
           "ProbBars", "LearningCurves", "DecisionPanel", "decision_rgb", "rgba8", "class_marker_paths",
           "plot_unit_weights", "plot_search",
           "plot_confusion", "FrozenBackground", "nice_above", "nice_below", "plain_log_ticks", "OKABE_ITO",
           "POSITIVE", "NEGATIVE", "NODE_CMAP", "HIGHLIGHT", "CLASS_COLOURS", "CLASS_MARKERS", "OPTIMIZER_COLOURS",
           "OPTIMIZER_NAMES", "WEIGHT_CMAP", "ON_COLOUR", "SHARED_COLOUR", "WIDE", "NEGATIVE_TEXT", "contrast_ratio",
           "text_colour_on"]
