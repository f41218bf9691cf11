"""Interactive demos, one small module per app (ipywidgets + matplotlib, ipympl in notebooks).

Every app follows :class:`nnbasics.apps.base.App`. ``ALL_APPS`` lists them for the generic
tests (every slider swept, state round-trips) and the latency benchmark.
"""
from .base import App

ALL_APPS = []

__all__ = ["App", "ALL_APPS"]

from .forward import ForwardApp  # noqa: E402  (notebook 01)

ALL_APPS.append(ForwardApp)
__all__ += ["ForwardApp"]

from .softmax import SoftmaxApp  # noqa: E402  (notebook 03)

ALL_APPS.append(SoftmaxApp)
__all__ += ["SoftmaxApp"]

from .wiggle import WiggleApp, WiggleTrainApp  # noqa: E402  (notebook 04)

ALL_APPS += [WiggleApp, WiggleTrainApp]
__all__ += ["WiggleApp", "WiggleTrainApp"]

from .backprop import BackpropApp  # noqa: E402  (notebook 05)

ALL_APPS.append(BackpropApp)
__all__ += ["BackpropApp"]

from .gradcheck_lab import KinkApp, StepSizeApp  # noqa: E402  (notebook 06)

ALL_APPS += [StepSizeApp, KinkApp]
__all__ += ["StepSizeApp", "KinkApp"]

from .training import LossSurfaceApp, TrainingApp  # noqa: E402  (notebook 07)

ALL_APPS += [TrainingApp, LossSurfaceApp]
__all__ += ["TrainingApp", "LossSurfaceApp"]

from .tiling import Kinks1DApp, ReluTilingApp  # noqa: E402  (notebook 02)

ALL_APPS += [Kinks1DApp, ReluTilingApp]
__all__ += ["Kinks1DApp", "ReluTilingApp"]

from .interpretation import ActivationMapApp, CodesApp, FeatureDetectorApp  # noqa: E402  (notebook 08)

ALL_APPS += [FeatureDetectorApp, ActivationMapApp, CodesApp]
__all__ += ["FeatureDetectorApp", "ActivationMapApp", "CodesApp"]
