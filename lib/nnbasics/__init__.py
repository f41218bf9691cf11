"""nnbasics: the math of the "Neural Net Basics" lecture, in small readable numpy.

    import nnbasics as nb
    params = nb.init_params([2, 16, 16, 3], seed=0)
    o, cache = nb.fprop(params, X)              # x → h1 → h2 → o
    L, do = nb.softmax_loss(o, y)               # p(c|x), negative log-likelihood, ∂L/∂o = p − y
    grads = nb.bprop(do, cache, params)         # ∂L/∂W3 = (p − y) h2ᵀ, …
    nb.Momentum(lr=0.1).step(params, grads)     # Δ ← 0.9 Δ + ∂L/∂θ ; θ ← θ − η Δ

The core (layers, losses, network, gradcheck, optim, regions, data, conv, cnn) needs only numpy;
``nnbasics.plots`` draws with matplotlib and ``nnbasics.apps`` holds the interactive widgets.
"""
from .cnn import CNNTrainer, cnn_accuracy, cnn_bprop, cnn_count_params, cnn_fprop, cnn_predict, cnn_search, init_cnn
from .conv import (
                   as_images,
                   col2im,
                   conv_bprop,
                   conv_fprop,
                   conv_output_size,
                   im2col,
                   maxpool_bprop,
                   maxpool_fprop,
                   receptive_field,
)
from .data import (
                   DATASETS,
                   load_digits,
                   make_circles,
                   make_gaussians,
                   make_moons,
                   make_spiral,
                   make_xor,
                   train_val_split,
)
from .gradcheck import GradCheckReport, grad_check, numerical_gradient, rel_error, wiggle_step
from .layers import affine_bprop, affine_fprop, relu_bprop, relu_fprop, tanh_bprop, tanh_fprop
from .losses import l2_penalty, log_softmax, mse_loss, nll, one_hot, softmax, softmax_loss
from .network import bprop, count_params, fprop, init_params, n_layers, predict
from .optim import SGD, Momentum, iterate_minibatches
from .region_counts import arrangement_count, depth_bounds, hanin_rolnick_typical, max_regions_plane
from .regions import Region, activation_pattern, collapse_linear, grid_points, linear_regions, pattern_edges, region_map

__version__ = "0.1.0"
