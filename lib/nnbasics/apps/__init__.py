"""Interactive demos, one small module per app (ipywidgets + matplotlib, ipympl in notebooks).

Every app follows :class:`nnbasics.apps.base.App` and registers itself in ``ALL_APPS`` (the
generic tests sweep every control of every app; the benchmarks time them). Adding an app is
one line here: import its class.
"""
# ruff: noqa: I001  (imports in notebook order: the order of ALL_APPS)
from .base import ALL_APPS, App
from .forward import ForwardApp                                          # notebook 01
from .tiling import Kinks1DApp, ReluTilingApp                            # 02
from .softmax import SoftmaxApp                                          # 03
from .wiggle import WiggleApp, WiggleTrainApp                            # 04
from .backprop import BackpropApp                                        # 05
from .gradcheck_lab import KinkApp, StepSizeApp                          # 06
from .training import TrainingApp                                        # 07
from .loss_surface import LossSurfaceApp                                 # 07
from .interpretation import ActivationMapApp, CodesApp, FeatureDetectorApp  # 08
from .convolution import ConvApp                                        # 09

__all__ = ["App", "ALL_APPS", *(cls.__name__ for cls in ALL_APPS)]
