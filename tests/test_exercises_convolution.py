"""Tables for the checks of notebook 09: right variants pass, typical mistakes get their own message."""
import math

import numpy as np
from test_exercises_table import Table, Wrong, table_tests

import nnbasics as nb
from nnbasics.exercises import check_conv_entry, check_conv_output_size, check_maxpool_backward


# -- conv_output_size -------------------------------------------------------------------------------
def size_floor_division(H, K, stride, pad):
    return (H + 2 * pad - K) // stride + 1


def size_count_starts(H, K, stride, pad):
    return len(range(0, H + 2 * pad - K + 1, stride))          # the windows' start positions


def size_math_floor(H, K, stride, pad):
    return int(math.floor((H + 2 * pad - K) / stride)) + 1


SIZE = Table(check_conv_output_size, [size_floor_division, size_count_starts, size_math_floor, nb.conv_output_size], [
    Wrong("no + 1", lambda H, K, s, p: (H + 2 * p - K) // s, "no_plus_one", "1 too small"),
    Wrong("pad on one side", lambda H, K, s, p: (H + p - K) // s + 1, "pad_once", "one side"),
    Wrong("pad ignored", lambda H, K, s, p: (H - K) // s + 1, "no_pad", "padding is ignored"),
    Wrong("rounded up", lambda H, K, s, p: math.ceil((H + 2 * p - K) / s) + 1, "ceil", "round up"),
    Wrong("true division", lambda H, K, s, p: (H + 2 * p - K) / s + 1, "not_integer", "not a whole number"),
    Wrong("stride ignored", lambda H, K, s, p: H + 2 * p - K + 1, "no_stride", "stride is ignored"),
    Wrong("+ 1 before dividing", lambda H, K, s, p: (H + 2 * p - K + 1) // s, "stride_last", "divide after"),
    Wrong("kernel ignored", lambda H, K, s, p: (H + 2 * p) // s + 1, "no_kernel", "kernel size K"),
    Wrong("hard-coded 8", lambda H, K, s, p: 8, "hard_coded", "hard-coded"),
    Wrong("a list", lambda H, K, s, p: [(H + 2 * p - K) // s + 1], "type", "one whole number"),
    Wrong("off by one elsewhere", lambda H, K, s, p: (H + 2 * p - K) // s + 1 + (H == 10), "values",
          "H=10, K=4, stride=3, pad=1"),
])


# -- conv_entry ---------------------------------------------------------------------------------------
def entry_pad_then_slice(x, W, b, i, j, stride, pad):
    xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad)))
    KH, KW = W.shape[1:]
    return b + np.sum(W * xp[:, i * stride:i * stride + KH, j * stride:j * stride + KW])


def entry_loops_with_bounds(x, W, b, i, j, stride, pad):
    C, H, Wd = x.shape
    total = b
    for c in range(C):
        for u in range(W.shape[1]):
            for v in range(W.shape[2]):
                r, q = i * stride + u - pad, j * stride + v - pad       # the pixel in x itself
                if 0 <= r < H and 0 <= q < Wd:                         # outside: a padding zero
                    total += W[c, u, v] * x[c, r, q]
    return total


def entry_library(x, W, b, i, j, stride, pad):
    out, _ = nb.conv_fprop(x[None], W[None], np.array([b]), stride=stride, pad=pad)
    return out[0, 0, i, j]


def _entry(flip=False, bias=True, strided=True, pad_shift=True, channels=None, swap=False, reduce=np.sum,
           relu=False):
    def entry(x, W, b, i, j, stride, pad):
        if swap:
            i, j = j, i
        xp = np.pad(x, ((0, 0), (pad, pad), (pad, pad))) if pad_shift else x
        KH, KW = W.shape[1:]
        s = stride if strided else 1
        win = xp[:, i * s:i * s + KH, j * s:j * s + KW]
        K = W[:, ::-1, ::-1] if flip else W
        if channels is not None:
            win, K = win[:channels], K[:channels]
        value = reduce(K * win) + (b if bias else 0.0)
        return max(value, 0.0) if relu else value
    return entry


def _entry_no_padding_at_all(x, W, b, i, j, stride, pad):
    KH, KW = W.shape[1:]
    r, c = i * stride - pad, j * stride - pad
    return b + np.sum(W * x[:, r:r + KH, c:c + KW])            # a negative start: an empty or wrong window


ENTRY = Table(check_conv_entry, [entry_pad_then_slice, entry_loops_with_bounds, entry_library], [
    Wrong("kernel flipped", _entry(flip=True), "flipped", "flipped the kernel"),
    Wrong("no bias", _entry(bias=False), "no_bias", "bias b is missing"),
    Wrong("stride ignored", _entry(strided=False), "no_stride", "stride is ignored"),
    Wrong("padding ignored", _entry(pad_shift=False), "no_pad_shift", "padding is not accounted"),
    Wrong("channel 0 only", _entry(channels=1), "one_channel", "only channel 0"),
    Wrong("i and j swapped", _entry(swap=True), "swapped", "z[j, i]"),
    Wrong("mean", _entry(reduce=np.mean), "mean", "averaged"),
    Wrong("ReLU applied", _entry(relu=True), "relu", "ReLU"),
    Wrong("window outside x", _entry_no_padding_at_all, "out_of_bounds", "zero padding"),
    Wrong("hard-coded", lambda x, W, b, i, j, stride, pad: 0.42, "hard_coded", "hard-coded"),
    Wrong("the whole map", lambda x, W, b, i, j, stride, pad: nb.conv_fprop(x[None], W[None], np.array([b]),
                                                                            stride=stride, pad=pad)[0][0, 0],
          "type", "one number"),
])


# -- maxpool_backward -----------------------------------------------------------------------------------
def pool_vectorised(dout, x, size):
    N, C, H, W = x.shape
    w = x.reshape(N, C, H // size, size, W // size, size).transpose(0, 1, 2, 4, 3, 5)
    w = w.reshape(N, C, H // size, W // size, size * size)
    onehot = np.arange(size * size) == w.argmax(axis=-1)[..., None]
    d = onehot * dout[..., None]
    return d.reshape(N, C, H // size, W // size, size, size).transpose(0, 1, 2, 4, 3, 5).reshape(x.shape)


def pool_library(dout, x, size):
    _, cache = nb.maxpool_fprop(x, size)
    return nb.maxpool_bprop(dout, cache)


def _up(a, size):
    return np.repeat(np.repeat(a, size, axis=2), size, axis=3)


def _pool_mask_ties(dout, x, size):
    N, C, H, W = x.shape
    m = x.reshape(N, C, H // size, size, W // size, size).max(axis=(3, 5))
    return _up(dout, size) * (x == _up(m, size))


def _pool_pick(pick):
    """The loops over every window, picking the max ("first", the right one) or a mistake's entry."""
    def pool(dout, x, size):
        N, C, H, W = x.shape
        dx = np.zeros_like(x)
        for n in range(N):
            for c in range(C):
                for i in range(H // size):
                    for j in range(W // size):
                        win = x[n, c, i * size:(i + 1) * size, j * size:(j + 1) * size]
                        if pick == "last":
                            k = win.size - 1 - int(np.argmax(win.ravel()[::-1]))
                        else:
                            k = int(np.argmin(win)) if pick == "min" else int(np.argmax(win))
                        u, v = divmod(k, size)
                        if pick == "transposed":
                            u, v = v, u
                        dx[n, c, i * size + u, j * size + v] = 1.0 if pick == "mask" else dout[n, c, i, j]
        return dx
    return pool


pool_loops = _pool_pick("first")


def _pool_size_two(dout, x, size):
    return pool_loops(dout, x, 2)


def _pool_size_two_loop_dout(dout, x, size):
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            win = x[:, :, 2 * i:2 * i + 2, 2 * j:2 * j + 2].reshape(*x.shape[:2], 4)
            k = win.argmax(axis=2)
            for n in range(x.shape[0]):
                for c in range(x.shape[1]):
                    dx[n, c, 2 * i + k[n, c] // 2, 2 * j + k[n, c] % 2] = dout[n, c, i, j]
    return dx


POOL = Table(check_maxpool_backward, [pool_loops, pool_vectorised, pool_library], [
    Wrong("every tied max", _pool_mask_ties, "all_ties", "several equal maxima"),
    Wrong("last tied max", _pool_pick("last"), "last_tie", "the last of them"),
    Wrong("average-pooling", lambda dout, x, size: _up(dout, size) / size ** 2, "average", "average-pooling"),
    Wrong("dout everywhere", lambda dout, x, size: _up(dout, size), "broadcast", "whole gradient"),
    Wrong("arg-min", _pool_pick("min"), "argmin", "smallest"),
    Wrong("transposed in the window", _pool_pick("transposed"), "transposed", "transposed"),
    Wrong("mask without dout", _pool_pick("mask"), "mask_only", "not the gradient"),
    Wrong("size 2 hard-coded", _pool_size_two, "fixed_size", "size=3"),
    Wrong("size 2 hard-coded, looping over dout", _pool_size_two_loop_dout, "fixed_size", "size=3"),
    Wrong("pooled shape", lambda dout, x, size: dout.copy(), "shape", "pooled shape"),
    Wrong("doubled", lambda dout, x, size: 2 * pool_loops(dout, x, size), "values", "largest difference"),
])

TABLES = [SIZE, ENTRY, POOL]
test_right, test_wrong, test_rules, test_stub_and_crash = table_tests(TABLES)


def test_the_trials_tell_every_size_mistake_apart():
    """No two formulas (the answer and the named mistakes) agree on all the trials."""
    from nnbasics.exercises.convolution import _SIZE_TRIALS, _size_mistakes, conv_output_size_reference

    vectors = [tuple(conv_output_size_reference(*t) for t in _SIZE_TRIALS)]
    vectors += [tuple(f(*t) for t in _SIZE_TRIALS) for _, f, _, _ in _size_mistakes()]
    assert len(set(vectors)) == len(vectors)


def test_the_pooling_trials_have_ties_and_a_window_larger_than_two():
    from nnbasics.exercises.convolution import _pool_cases

    (d1, x1, s1), (d2, x2, s2) = _pool_cases()
    assert (s1, s2) == (2, 3)
    w = x1.reshape(2, 2, 2, 2, 3, 2).transpose(0, 1, 2, 4, 3, 5).reshape(2, 2, 2, 3, 4)
    assert np.any((w == w.max(axis=-1, keepdims=True)).sum(axis=-1) > 1)   # a tie, so first ≠ every ≠ last
    assert len(np.unique(d1)) == d1.size and np.all(d1 > 0)
