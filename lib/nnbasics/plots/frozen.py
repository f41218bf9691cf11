"""Fast redraws: draw the parts of a figure that do not move once, and paste them afterwards."""
import os

from matplotlib.transforms import Bbox

__all__ = ["FrozenBackground"]


class FrozenBackground:
    """Draw the parts of a figure that do not move once; later draws paste them and draw the rest.

        frozen = FrozenBackground(fig, dynamic=[line, bars, text])   # the artists update() changes
        ...
        ax.set_ylim(-lim, lim); frozen.set_key(lim)   # the frozen parts now depend on lim
        frozen.invalidate()     # after changing frozen parts in a way no key describes
        frozen.replace(old_contours, new_contours)    # a moving artist made anew on each update

    (An app calls :meth:`nnbasics.apps.base.App.freeze_background`, which makes one of these.)

    Text is the costly part of an Agg draw (about 0.1 ms per glyph here: tick labels, titles,
    equations); a slider callback that changes a few artists then costs a copy of the cached
    pixels plus those artists. It hooks ``figure.draw``, so every draw of the figure goes
    through it (the first one included, ipympl's draws when the browser asks for a picture,
    and ``savefig``): the picture is the same whether or not it came from the cache, and no
    canvas method is replaced. The moving artists are drawn above the frozen ones, in their
    zorder (so a frozen artist that must stay on top of a moving one, such as a legend inside
    the axes, is listed as moving too); a moving artist whose axes is hidden is not drawn.

    ``set_key(key)`` names the state of the frozen parts (axis limits, a title): one background
    is kept per key (the last ``max_cached``), so going back to an earlier key costs nothing.
    The cache is also keyed by the renderer, its size and dpi (a resized or high-dpi ipympl
    canvas, or ``savefig``, draws in full); a renderer that cannot copy pixels (vector formats)
    draws the figure as usual. The environment variable ``NNBASICS_FULL_REDRAW=1`` turns the
    cache off (every draw in full), to compare. ``full_draws`` counts the draws of everything,
    ``fast_draws`` those that pasted a cached background.

    For a browser that draws the figure itself (:class:`nnbasics.apps.figure_view.FigureView`):
    :meth:`draw_frozen` draws the frozen parts alone, and :meth:`state_id` names their state (it
    changes with ``set_key`` and ``invalidate``).
    """

    def __init__(self, fig, dynamic, max_cached=8):
        self.fig = fig
        self.dynamic = list(dynamic)
        self.max_cached = int(max_cached)
        self.static_key = None
        self._cache = {}
        self._generation = 0            # bumped when cached backgrounds are dropped
        self._key_ids = {}              # static key -> a small number (state_id)
        self.full_draws = self.fast_draws = 0
        self._figure_draw = fig.draw
        fig.draw = self._draw  # the canvas calls figure.draw(renderer)

    def add(self, *artists):
        """More moving artists; a cached background may hold them, so every one is dropped."""
        self.dynamic += artists
        self.invalidate()

    def replace(self, old, new):
        """Swap the moving artist ``old`` (removed from the figure; None: none) for ``new``, an
        artist just made (None: none). No background holds either, so none is redrawn."""
        if old is not None:
            self.dynamic.remove(old)
            old.remove()
        if new is not None:
            self.dynamic.append(new)

    def set_key(self, key):
        """The frozen parts are now in state ``key`` (hashable); returns True if it changed."""
        if key == self.static_key:
            return False
        self.static_key = key
        self.fig.stale = True
        return True

    def invalidate(self):
        """Forget every cached background: the next draw redraws everything once."""
        self._cache.clear()
        self._generation += 1
        self._key_ids.clear()
        self.fig.stale = True

    def state_id(self):
        """A short name of the current state of the frozen parts: equal names, equal backgrounds."""
        key = repr(self.static_key)
        if key not in self._key_ids:
            self._key_ids[key] = len(self._key_ids)
        return f"{self._generation}.{self._key_ids[key]}"

    def draw_frozen(self, renderer):
        """Draw the frozen parts alone (the moving artists paint nothing) with ``renderer``."""
        self._draw_without_moving(renderer)

    def _draw(self, renderer):
        if (not (hasattr(renderer, "copy_from_bbox") and hasattr(renderer, "restore_region"))
                or os.environ.get("NNBASICS_FULL_REDRAW")):
            self.full_draws += 1
            return self._figure_draw(renderer)
        key = (id(renderer), renderer.width, renderer.height, self.fig.dpi, self.static_key)
        background = self._cache.get(key)
        if background is None:
            self._draw_without_moving(renderer)
            # the whole buffer: fig.bbox can be a hair short of it (4.1 in × 100 dpi = 409.99… px),
            # which would leave a row blank (transparent), and ipympl then sends full frames, no diffs
            background = renderer.copy_from_bbox(Bbox.from_bounds(0, 0, renderer.width, renderer.height))
            if len(self._cache) >= self.max_cached:
                self._cache.pop(next(iter(self._cache)))
            self._cache[key] = background
            self.full_draws += 1
        else:
            renderer.restore_region(background)
            self.fast_draws += 1
        for a in sorted(self.dynamic, key=lambda a: a.get_zorder()):
            if a.get_visible() and (a.axes is None or a.axes.get_visible()):
                a.draw(renderer)
        self.fig.stale = False

    def _draw_without_moving(self, renderer):
        # a full draw in which the moving artists paint nothing: they stay visible, so all that
        # depends on them (an axes title placed above the tick labels) is as usual, and no
        # "stale" notification (which would ask for yet another draw) goes out
        for a in self.dynamic:
            a.draw = _draw_nothing
        try:
            self._figure_draw(renderer)
        finally:
            for a in self.dynamic:
                vars(a).pop("draw", None)


def _draw_nothing(renderer):
    pass
