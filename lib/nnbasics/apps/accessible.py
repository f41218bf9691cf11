"""Every app usable with a screen reader and a keyboard (WCAG 2.1 AA): names, a live summary, points.

ipywidgets 8 gives a slider handle (``role="slider"``) no accessible name (its description is a
separate label that does not reach the handle) and an icon-only button (the ``Play`` widget's
play, pause and stop) none at all. So every app carries one small :class:`AccessibleBridge`, an
anywidget displayed inside its layout, whose JavaScript (below, nothing loaded from a CDN: it
works offline in JupyterLab and Voila) finds the app's interactive elements by the CSS class
:func:`attach` gave each widget and sets

- ``aria-label`` on each control's interactive element (slider handle, menu, field, check box,
  button) from its description (or the name an app gives in ``accessible_names()``);
- a name on every icon-only button ("play", "pause", "stop", "one step", …);
- ``role="group"`` and ``aria-pressed`` on toggle buttons;
- ``role="img"`` and ``aria-label`` = the live summary on every picture (ipympl's canvas, or an
  element with the class ``nnb-picture``);

with a MutationObserver, so widgets that re-render keep their names. It shows the live text
summary of the picture (``App.describe()``, refreshed by ``App._run`` after every redraw) under
the app, in a ``role="status"``/``aria-live="polite"`` region: the lecture's back row reads it,
a screen reader announces it (at most about once a second while an animation plays).

:class:`PointEntry` is the keyboard's way to do what a mouse click on a picture does: x₁ and x₂
fields and an "add point" button. :func:`show_figure` shows a static figure (no slider) as a
picture with alt text, the text a screen reader reads out for it.
"""
import base64
import html
import io
import itertools

import anywidget
import ipywidgets as widgets
import traitlets

__all__ = ["AccessibleBridge", "attach", "interactive_widgets", "PointEntry", "show_figure", "APP_CLASS",
           "PICTURE_CLASS"]

#: the CSS class of every app's outermost box
APP_CLASS = "nnb-app"
#: the CSS class that marks an element drawn in the browser as a picture (named like the canvas)
PICTURE_CLASS = "nnb-picture"
_IDS = itertools.count()

_ESM = r"""
const ICONS = {"play": "play", "pause": "pause", "stop": "stop", "retweet": "repeat", "repeat": "repeat",
               "step-forward": "one step", "forward-step": "one step", "undo": "reset", "eraser": "clear",
               "plus": "add", "refresh": "refresh", "rotate-right": "refresh"};
const FIELDS = '[role="slider"], select, input, textarea, button';
const PICTURES = '.jupyter-matplotlib-canvas-div, .nnb-picture';

function set(node, attr, value) {
  if (node.getAttribute(attr) !== value) node.setAttribute(attr, value);
}

function iconName(button) {
  for (const icon of button.querySelectorAll('i')) {
    for (const cls of icon.classList) {
      if (cls.startsWith('fa-') && ICONS[cls.slice(3)]) return ICONS[cls.slice(3)];
    }
  }
  return null;
}

function nameAll(root, model) {
  for (const [cls, name] of Object.entries(model.get('names'))) {
    for (const box of root.getElementsByClassName(cls)) {
      if (box.classList.contains('widget-toggle-buttons')) {
        set(box, 'role', 'group');
        set(box, 'aria-label', name);
      }
      const nodes = box.matches(FIELDS) ? [box] : box.querySelectorAll(FIELDS);
      for (const node of nodes) {
        if (node.tagName === 'BUTTON') {
          if (box.classList.contains('widget-toggle-buttons')) {
            set(node, 'aria-pressed', String(node.classList.contains('mod-active')));
          }
          if (!node.textContent.trim()) set(node, 'aria-label', iconName(node) || name);
        } else {
          set(node, 'aria-label', name);
        }
      }
    }
  }
  for (const node of root.querySelectorAll('button')) {          // icon-only buttons anywhere
    if (!node.textContent.trim() && !node.getAttribute('aria-label')) {
      const icon = iconName(node);
      if (icon) set(node, 'aria-label', icon);
    }
  }
  const text = model.get('summary') || model.get('title');
  for (const pic of root.querySelectorAll(PICTURES)) {
    set(pic, 'role', 'img');
    set(pic, 'aria-label', text);
  }
}

export default {
  render({ model, el }) {
    el.classList.add('nnb-summary-box');
    const live = document.createElement('div');
    live.className = 'nnb-summary';
    live.setAttribute('role', 'status');
    live.setAttribute('aria-live', 'polite');
    live.setAttribute('aria-atomic', 'true');
    el.appendChild(live);
    let last = 0, timer = null, root = null, observer = null;
    const show = () => {                       // the text, at most about once a second
      timer = null;
      last = Date.now();
      live.textContent = model.get('summary');
    };
    const onSummary = () => {
      if (root) nameAll(root, model);
      const wait = 900 - (Date.now() - last);
      if (wait <= 0) show();
      else if (!timer) timer = setTimeout(show, wait);
    };
    const findRoot = () => {
      root = el.closest('.' + model.get('root'));
      if (!root) return false;
      nameAll(root, model);
      observer = new MutationObserver(() => nameAll(root, model));
      observer.observe(root, {childList: true, subtree: true, attributes: true,
                              attributeFilter: ['class']});
      return true;
    };
    show();
    // the bridge is rendered before (or after) its siblings are attached to the page
    let tries = 0;
    const poll = () => { if (!findRoot() && tries++ < 100) setTimeout(poll, 100); };
    poll();
    model.on('change:summary', onSummary);
    model.on('change:names', () => root && nameAll(root, model));
    return () => {
      if (observer) observer.disconnect();
      if (timer) clearTimeout(timer);
      model.off('change:summary', onSummary);
    };
  },
};
"""

_CSS = """
.nnb-summary-box { width: 100%; }
.nnb-summary { font-size: var(--jp-ui-font-size1, 14px); color: #1a1a1a; line-height: 1.4;
               padding: 2px 0 4px 0; max-width: 60em; }
"""


class AccessibleBridge(anywidget.AnyWidget):
    """The live text summary of an app's picture, and the accessible names of its widgets.

    ``summary``: the text shown under the app and given to its pictures as their ``aria-label``;
    ``names``: ``{css class: accessible name}`` of the widgets :func:`attach` marked; ``root``:
    the CSS class of the app's outermost box (where the JavaScript looks for them).
    """

    _esm = _ESM
    _css = _CSS
    summary = traitlets.Unicode("").tag(sync=True)
    title = traitlets.Unicode("picture").tag(sync=True)
    names = traitlets.Dict({}).tag(sync=True)
    root = traitlets.Unicode("").tag(sync=True)


#: the widgets a person operates: whatever takes a value, and buttons
_OPERATED = (widgets.ValueWidget, widgets.Button)


def interactive_widgets(widget):
    """The widgets a person operates inside ``widget`` (a layout), in page order (depth first)."""
    found = []

    def walk(w):
        if isinstance(w, _OPERATED) and not isinstance(w, (widgets.HTML, widgets.Label, widgets.HTMLMath)):
            found.append(w)
        for child in getattr(w, "children", ()) or ():
            walk(child)

    walk(widget)
    return found


def accessible_name(widget, names=None):
    """The accessible name of ``widget``: from ``names`` (``{widget: text}``), else its description
    and tooltip; a ValueError names the widget that has none."""
    if names and widget in names:
        return names[widget]
    parts = [getattr(widget, "description", "") or "", getattr(widget, "tooltip", "") or ""]
    text = ": ".join(p.strip() for p in parts if p and p.strip())
    if not text:
        raise ValueError(f"{type(widget).__name__} (value {getattr(widget, 'value', None)!r}) has no description "
                         "or tooltip, so a screen reader cannot name it; give it one, or a name in the app's "
                         "accessible_names()")
    return text


def attach(app, root):
    """Mark every operated widget in ``root`` (an app's layout) with a CSS class and its name, put
    ``app.a11y`` (the bridge) at the end of ``root`` and give ``root`` the app classes; returns the
    box to display (``root``, or a VBox around it when it is not a box)."""
    if not isinstance(root, widgets.Box):
        root = widgets.VBox([root])
    uid = next(_IDS)
    names = {}
    overrides = app.accessible_names()
    for k, w in enumerate(interactive_widgets(root)):
        cls = f"nnb-a11y-{uid}-{k}"
        w.add_class(cls)
        names[cls] = accessible_name(w, overrides)
    app.a11y.root = f"{APP_CLASS}-{uid}"
    app.a11y.names = names
    root.add_class(APP_CLASS)
    root.add_class(app.a11y.root)
    if app.a11y not in root.children:
        root.children = (*root.children, app.a11y)
    return root


class PointEntry:
    """Fields x₁, x₂ and an "add point" button: a keyboard alternative to clicking on a picture.

    ``on_add(x1, x2)`` is called when the button is pressed (Enter or Space when it has focus).
    ``widget`` is the row to put in a layout, next to the menu that chooses the point's class.
    """

    def __init__(self, on_add, limit=3.0, step=0.1, what="a training point"):
        if not callable(on_add):
            raise TypeError(f"on_add must be callable (x1, x2) -> None, got {type(on_add).__name__}")
        if not limit > 0:
            raise ValueError(f"limit must be > 0 (the fields take values in [-limit, limit]), got {limit!r}")
        kw = dict(value=0.0, min=-float(limit), max=float(limit), step=step,
                  style={"description_width": "initial"}, layout=widgets.Layout(width="130px"))
        self.x1 = widgets.BoundedFloatText(description="x₁", **kw)
        self.x2 = widgets.BoundedFloatText(description="x₂", **kw)
        self.button = widgets.Button(description="add point", icon="plus", tooltip=f"add {what} at (x₁, x₂)",
                                     layout=widgets.Layout(width="130px"))
        self.button.on_click(lambda _b: on_add(float(self.x1.value), float(self.x2.value)))
        self.widget = widgets.HBox([self.x1, self.x2, self.button],
                                   layout=widgets.Layout(align_items="center"))


def show_figure(fig, alt, scale=2):
    """Show the matplotlib figure ``fig`` as a picture with the text alternative ``alt``, and close it.

    In a notebook a static figure (one without sliders) becomes an ``<img>`` whose ``alt`` says what
    it shows (with its numbers); a screen reader reads that out, where an ipympl canvas gives it
    nothing. The PNG is drawn at ``scale`` times the figure's resolution (sharp on a HiDPI screen)
    and shown at the figure's size. Closing the figure keeps %matplotlib widget from showing it a
    second time, as a canvas.
    """
    import matplotlib.pyplot as plt
    from IPython.display import display

    if not isinstance(alt, str) or len(alt.strip()) < 10:
        raise ValueError(f"alt must say in words what the figure shows (at least a short sentence), got {alt!r}")
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=fig.dpi * scale, bbox_inches="tight")
    png = buf.getvalue()
    width = int.from_bytes(png[16:20], "big") // scale          # the PNG header's width, in CSS pixels
    plt.close(fig)
    tag = (f'<img src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}" width="{width}" '
           f'alt="{html.escape(alt.strip(), quote=True)}">')
    display({"text/html": tag, "text/plain": f"[figure: {alt.strip()}]"}, raw=True)

