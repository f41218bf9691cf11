"""Colours and styles shared by every picture and app: one palette for the whole suite.

Colour-blind safe throughout: signs and the two optimisers use the Okabe–Ito blue/vermillion
pair, classes the Okabe–Ito qualitative colours, activations the sequential map ``viridis``,
and one highlight colour (Tol's purple) marks "the thing to look at". Class information is
never carried by colour alone where a marker or hatch can carry it too.
"""
import numpy as np
from matplotlib.colors import LinearSegmentedColormap, to_rgb

__all__ = ["OKABE_ITO", "POSITIVE", "NEGATIVE", "NEGATIVE_TEXT", "NODE_CMAP", "HIGHLIGHT", "CLASS_COLOURS",
           "CLASS_MARKERS", "OPTIMIZER_COLOURS", "OPTIMIZER_NAMES", "WEIGHT_CMAP", "ON_COLOUR", "SHARED_COLOUR", "WIDE",
           "contrast_ratio", "text_colour_on"]

#: the Okabe–Ito palette (Okabe & Ito 2008), distinguishable with every common colour-vision deficiency
OKABE_ITO = {"blue": "#0072B2", "orange": "#E69F00", "green": "#009E73", "purple": "#CC79A7",
             "vermillion": "#D55E00", "sky": "#56B4E9", "yellow": "#F0E442", "black": "#000000"}
#: colour of a positive weight / gradient (Okabe–Ito blue) and of a negative one (vermillion).
POSITIVE = OKABE_ITO["blue"]
NEGATIVE = OKABE_ITO["vermillion"]
#: vermillion dark enough for text on white (5.4:1; Okabe–Ito's own is 3.9:1, under WCAG's 4.5:1)
NEGATIVE_TEXT = "#B34A00"
#: sequential colour map for node activations (dark = off / small, yellow = large).
NODE_CMAP = "viridis"
#: the one thing to look at (the true class, the unit on the sliders): Tol's purple, with a hatch or ring.
HIGHLIGHT = "#AA3377"
#: class colours (Okabe–Ito: blue, orange, bluish green, reddish purple, vermillion) and markers
CLASS_COLOURS = [OKABE_ITO[k] for k in ("blue", "orange", "green", "purple", "vermillion")]
CLASS_MARKERS = ["o", "^", "s", "D", "v"]
#: the two optimisers in every picture: SGD vermillion, momentum blue.
OPTIMIZER_COLOURS = {"sgd": OKABE_ITO["vermillion"], "momentum": OKABE_ITO["blue"]}
OPTIMIZER_NAMES = {"sgd": "SGD", "momentum": "momentum"}
#: weights as images: orange (−) – white (0) – blue (+), the sign pair used across the suite
WEIGHT_CMAP = LinearSegmentedColormap.from_list("weights", [NEGATIVE, "#ffffff", POSITIVE])
#: a unit that is on (code 1), and a unit on for two classes at once (shared)
ON_COLOUR = OKABE_ITO["blue"]
SHARED_COLOUR = OKABE_ITO["orange"]
#: the style dict of a widget whose description must not be cut short (ipywidgets ``style=``)
WIDE = {"description_width": "initial"}


def _luminance(colour):
    """WCAG 2 relative luminance of a matplotlib colour."""
    c = np.asarray(to_rgb(colour), dtype=float)
    c = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return float(c @ [0.2126, 0.7152, 0.0722])


def contrast_ratio(foreground, background):
    """WCAG 2 contrast ratio of two colours, 1 (same) to 21 (black on white); text needs ≥ 4.5."""
    a, b = sorted((_luminance(foreground), _luminance(background)))
    return (b + 0.05) / (a + 0.05)


def text_colour_on(background):
    """"black" or "white", whichever contrasts more with ``background`` (always ≥ 4.58:1)."""
    return "black" if contrast_ratio("black", background) >= contrast_ratio("white", background) else "white"

