"""Reference solutions of the "your turn" exercises, shown only when a student asks.

``solution("one_hot")`` returns the reference code of an exercise (it shows as a code block in
a notebook); ``check_one_hot(one_hot, reveal=True)`` prints the same code under its feedback.
The code is written as the notebook's own cell would be (same function name and arguments,
``np`` and ``nb`` imported); the tests run every one of them through its check.
"""
import html

__all__ = ["solution", "reference_code", "SOLUTIONS"]

SOLUTIONS = {
    # -- 00 start here ------------------------------------------------------------------------------
    "one_hot": '''
def one_hot(y, C):
    Y = np.zeros((len(y), C))          # C columns, even if a class has no example in y
    Y[np.arange(len(y)), y] = 1        # row n gets its 1 in column y[n]
    return Y
''',
    "mse_loss": '''
def mse_loss(pred, target):
    N = pred.shape[0]
    return 0.5 * np.sum((pred - target) ** 2) / N    # sum over everything, mean over the N examples
''',
    # -- 01 forward propagation ---------------------------------------------------------------------
    "layer_forward": '''
def layer_forward(x, W, b):
    return np.maximum(0, x @ W.T + b)    # the slide's W x + b for every row; np.maximum is elementwise
''',
    "fprop": '''
def forward(params, x):
    h1 = np.maximum(0, x @ params["W1"].T + params["b1"])
    h2 = np.maximum(0, h1 @ params["W2"].T + params["b2"])
    return h2 @ params["W3"].T + params["b3"]           # logits: no ReLU on o
''',
    # -- 02 ReLU tiling -----------------------------------------------------------------------------
    "kink": '''
def kink(w, b):
    return -b / w          # w x + b = 0
''',
    "collapse": '''
def collapse(W1, b1, W2, b2):
    A = W2 @ W1            # W1 acts first, so it stands on the right
    c = W2 @ b1 + b2       # W2 (W1 x + b1) + b2 = (W2 W1) x + (W2 b1 + b2)
    return A, c
''',
    "max_regions": '''
def max_regions(n):
    return 1 + n + n * (n - 1) // 2    # the empty plane, + 1 per line, + 1 per crossing of two lines
''',
    # -- 03 softmax and NLL -------------------------------------------------------------------------
    "softmax": '''
def softmax(o):
    e = np.exp(o - o.max(axis=1, keepdims=True))    # each row's own max: nothing overflows
    return e / e.sum(axis=1, keepdims=True)
''',
    "nll": '''
def nll(p, y):
    N = len(y)
    return -np.mean(np.log(p[np.arange(N), y]))     # row n: the probability of its true class
''',
    "softmax_grad": '''
def softmax_grad(o, y):
    e = np.exp(o - o.max())
    p = e / e.sum()
    d = p.copy()
    d[y] -= 1                                        # p − y, with y one-hot
    return d
''',
    # -- 04 wiggle ----------------------------------------------------------------------------------
    "wiggle_one": '''
def wiggle_one(f, params, name, index, eps):
    W = params[name]                       # the caller's array: changed in place
    L0 = f(params)                         # L(θ)
    old = W[index]
    W[index] = old + eps
    L_plus = f(params)                     # L(θ with W + ε)
    W[index] = old + eps * np.sign(L0 - L_plus)
    return 2                               # two calls of f
''',
    "wiggle_cost": '''
def wiggle_cost(sizes):
    n_params = sum(sizes[l] * sizes[l - 1] + sizes[l] for l in range(1, len(sizes)))   # W_l and b_l
    return n_params + 1                                                                # + L(θ) once
''',
    # -- 05 backprop --------------------------------------------------------------------------------
    "relu_bprop": '''
def relu_bprop(dh, z):
    return dh * (z > 0)        # strict: the derivative at the kink z = 0 is taken as 0
''',
    "affine_bprop": '''
def affine_bprop(dz, x, W):
    dx = dz @ W                # the slide's Wᵀ ∂L/∂z, one row per example
    dW = dz.T @ x              # the slide's ∂L/∂z hᵀ, summed over the batch
    db = dz.sum(axis=0)
    return dx, dW, db
''',
    "softmax_loss_grad": '''
def softmax_loss_grad(o, y):
    N = len(y)
    e = np.exp(o - o.max(axis=1, keepdims=True))
    p = e / e.sum(axis=1, keepdims=True)
    d = p.copy()
    d[np.arange(N), y] -= 1    # p − y with y one-hot, without building y
    return d / N               # the loss is a mean over the batch
''',
    # -- 06 gradient checking -----------------------------------------------------------------------
    "numerical_gradient": '''
def numerical_gradient(f, w, eps=1e-5):
    g = np.zeros_like(w)
    for i in np.ndindex(w.shape):
        old = w[i]
        w[i] = old + eps
        f_plus = f(w)
        w[i] = old - eps
        f_minus = f(w)
        w[i] = old                                   # put it back
        g[i] = (f_plus - f_minus) / (2 * eps)
    return g
''',
    "rel_error": '''
def rel_error(a, b):
    return np.max(np.abs(a - b)) / max(1e-12, np.max(np.abs(a)) + np.max(np.abs(b)))
''',
    # -- 07 training --------------------------------------------------------------------------------
    "sgd_step": '''
def sgd_step(theta, grad, lr):
    return theta - lr * grad
''',
    "momentum_step": '''
def momentum_step(theta, delta, grad, lr, mu):
    delta = mu * delta + grad          # Δ ← μ Δ + ∂L/∂θ
    theta = theta - lr * delta         # θ ← θ − η Δ
    return theta, delta
''',
    "accuracy": '''
def accuracy(params, X, y):
    o, _ = nb.fprop(params, X)
    pred = np.argmax(o, axis=1)        # one class per example (row)
    return np.mean(pred == y)
''',
    # -- 08 interpretation --------------------------------------------------------------------------
    "class_code": '''
def class_code(H, y, c, threshold):
    on = H[y == c] > 0                 # (N_c, U): which units are on, for the examples of class c
    return on.mean(axis=0) > threshold # strictly more than threshold
''',
    "confusion_matrix": '''
def confusion_matrix_mine(y_true, y_pred, n_classes):
    M = np.zeros((n_classes, n_classes), dtype=int)
    for t, p in zip(y_true, y_pred):
        M[t, p] += 1
    return M
''',
    # -- 09 convolution -----------------------------------------------------------------------------
    "conv_output_size": '''
def conv_output_size(H, K, stride, pad):
    return (H + 2 * pad - K) // stride + 1    # the first window, plus one per whole step that still fits
''',
    "conv_entry": '''
def conv_entry(x, W, b, i, j, stride, pad):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))      # zeros around every channel
    KH, KW = W.shape[1:]
    window = xp[:, i * stride:i * stride + KH, j * stride:j * stride + KW]
    return b + np.sum(W * window)                         # every channel, every kernel position
''',
    "maxpool_backward": '''
def maxpool_backward(dout, x, size):
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for n in range(N):
        for c in range(C):
            for i in range(H // size):
                for j in range(W // size):
                    window = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
                    u, v = np.unravel_index(np.argmax(window), window.shape)   # the first max, row by row
                    dx[n, c, i * size + u, j * size + v] = dout[n, c, i, j]
    return dx
''',
}


def reference_code(exercise):
    """The reference code of ``exercise`` (a name such as 'one_hot' or 'check_one_hot'), as a string."""
    key = str(exercise).removeprefix("check_")
    if key not in SOLUTIONS:
        raise ValueError(f"no exercise called {exercise!r}; the exercises are: {', '.join(SOLUTIONS)}")
    return SOLUTIONS[key].strip("\n") + "\n"


class Solution(str):
    """The reference code of one exercise: prints as plain code, shows as a code block in a notebook."""

    def _repr_html_(self):
        return f"<pre><code>{html.escape(str(self))}</code></pre>"

    def __repr__(self):
        return str(self)


def solution(exercise):
    """The reference solution of ``exercise`` (for example ``solution("one_hot")``): try the hint first."""
    return Solution(reference_code(exercise))
