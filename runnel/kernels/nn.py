"""Kernels of the neural-network ops: activations and their gradients, softmax and
cross-entropies, BiasAdd, L2Loss, LRN, InTopKV2, SpaceToDepth/DepthToSpace and
FusedBatchNormV3 (with its gradient)."""

from __future__ import annotations

import numpy as np

_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


def _wide(x):
    """float16/bfloat16 computed in float32 (as TF's CPU kernels accumulate)."""
    if x.dtype.kind == "f" and x.dtype.itemsize < 4 or x.dtype.name == "bfloat16":
        return x.astype(np.float32)
    return x


def _fmt(data_format):
    return data_format.decode() if isinstance(data_format, bytes) else (data_format or "NHWC")


# -- activations ----------------------------------------------------------------------------------
def relu(features):
    """NumPy kernel of TF op `Relu`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Relu) gives its signature, shapes, dtypes and errors."""
    return np.maximum(features, np.zeros((), features.dtype))


def relu_grad(gradients, features):
    # TF's functor: gradients * (features > 0). A multiply by the 0/1 mask runs ~4x faster
    # than a select (np.where) on mixed-sign data, and gives TF's result for inf/NaN too.
    """NumPy kernel of TF op `ReluGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.ReluGrad) gives its signature, shapes, dtypes and errors."""
    return np.multiply(gradients, features > 0, dtype=gradients.dtype)


def relu6(features):
    """NumPy kernel of TF op `Relu6`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Relu6) gives its signature, shapes, dtypes and errors."""
    return np.clip(features, np.zeros((), features.dtype), np.asarray(6, features.dtype))


def relu6_grad(gradients, features):
    """NumPy kernel of TF op `Relu6Grad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Relu6Grad) gives its signature, shapes, dtypes and errors."""
    mask = features > 0
    mask &= features < 6
    return np.multiply(gradients, mask, dtype=gradients.dtype)


def leaky_relu(features, alpha=0.2):
    """NumPy kernel of TF op `LeakyRelu`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LeakyRelu) gives its signature, shapes, dtypes and errors."""
    return np.where(features > 0, features, features * np.asarray(alpha, features.dtype)).astype(features.dtype)


def leaky_relu_grad(gradients, features, alpha=0.2):
    """NumPy kernel of TF op `LeakyReluGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LeakyReluGrad) gives its signature, shapes, dtypes and errors."""
    return np.where(features > 0, gradients, gradients * np.asarray(alpha, gradients.dtype)).astype(gradients.dtype)


def elu(features):
    """NumPy kernel of TF op `Elu`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Elu) gives its signature, shapes, dtypes and errors."""
    neg = np.expm1(np.minimum(features, 0))
    return np.where(features > 0, features, neg).astype(features.dtype)


def elu_grad(gradients, outputs):
    """NumPy kernel of TF op `EluGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.EluGrad) gives its signature, shapes, dtypes and errors."""
    one = np.ones((), outputs.dtype)
    return np.where(outputs > 0, gradients, gradients * (outputs + one)).astype(gradients.dtype)


def selu(features):
    """NumPy kernel of TF op `Selu`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Selu) gives its signature, shapes, dtypes and errors."""
    f = _wide(features)
    neg = _SELU_SCALE * _SELU_ALPHA * np.expm1(np.minimum(f, 0))
    return np.where(f > 0, _SELU_SCALE * f, neg).astype(features.dtype)


def selu_grad(gradients, outputs):
    """NumPy kernel of TF op `SeluGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.SeluGrad) gives its signature, shapes, dtypes and errors."""
    g, o = _wide(gradients), _wide(outputs)
    return np.where(o > 0, g * _SELU_SCALE, g * (o + _SELU_SCALE * _SELU_ALPHA)).astype(gradients.dtype)


# -- softmax family -----------------------------------------------------------------------------
def _check_logits(x):
    if x.ndim < 1:
        raise ValueError(f"logits must have >= 1 dimension, got shape {list(x.shape)}")


def softmax(logits):
    """NumPy kernel of TF op `Softmax`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Softmax) gives its signature, shapes, dtypes and errors."""
    _check_logits(logits)
    x = _wide(logits)
    e = np.exp(x - np.max(x, axis=-1, keepdims=True))
    return (e / np.sum(e, axis=-1, keepdims=True)).astype(logits.dtype)


def log_softmax(logits):
    """NumPy kernel of TF op `LogSoftmax`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LogSoftmax) gives its signature, shapes, dtypes and errors."""
    _check_logits(logits)
    x = _wide(logits)
    shifted = x - np.max(x, axis=-1, keepdims=True)
    return (shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))).astype(logits.dtype)


def softmax_cross_entropy_with_logits(features, labels):
    """Returns (loss [batch], backprop [batch, classes]); inputs broadcast to 2-D."""
    if features.ndim != 2 or labels.ndim != 2:
        if features.ndim > 2 or labels.ndim > 2:
            raise ValueError(f"logits and labels must be 2-D, but got shapes {list(features.shape)} and "
                             f"{list(labels.shape)}")
    try:
        f, lab = np.broadcast_arrays(np.atleast_2d(_wide(features)), np.atleast_2d(_wide(labels)))
    except ValueError:
        raise ValueError(f"logits and labels must be broadcastable: logits_size={list(features.shape)} "
                         f"labels_size={list(labels.shape)}") from None
    shifted = f - np.max(f, axis=-1, keepdims=True)
    lse = np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    logp = shifted - lse
    loss = -np.sum(lab * logp, axis=-1)
    backprop = np.exp(logp) - lab
    return loss.astype(features.dtype), backprop.astype(features.dtype)


def sparse_softmax_cross_entropy_with_logits(features, labels):
    """Returns (loss [batch], backprop [batch, classes]) for int class labels [batch]."""
    if features.ndim != 2:
        raise ValueError(f"logits must be 2-D, but got shape {list(features.shape)}")
    if labels.ndim != 1:
        raise ValueError(f"labels must be 1-D, but got shape {list(labels.shape)}")
    if labels.shape[0] != features.shape[0]:
        raise ValueError(f"logits and labels must have the same first dimension, got logits shape "
                         f"{list(features.shape)} and labels shape {list(labels.shape)}")
    n, c = features.shape
    bad = (labels < 0) | (labels >= c)
    if c == 0 and n:
        raise ValueError("Must have at least one class, but got logits shape " + str(list(features.shape)))
    if np.any(bad):
        v = labels[bad][0]
        raise ValueError(f"Received a label value of {v} which is outside the valid range of [0, {c}).  "
                         f"Label values: {' '.join(str(int(x)) for x in labels.reshape(-1))}")
    f = _wide(features)
    shifted = f - np.max(f, axis=-1, keepdims=True)
    logp = shifted - np.log(np.sum(np.exp(shifted), axis=-1, keepdims=True))
    rows = np.arange(n)
    loss = -logp[rows, labels]
    backprop = np.exp(logp)
    backprop[rows, labels] -= 1
    return loss.astype(features.dtype), backprop.astype(features.dtype)


# -- misc --------------------------------------------------------------------------------------------
def l2_loss(t):
    """NumPy kernel of TF op `L2Loss`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.L2Loss) gives its signature, shapes, dtypes and errors."""
    x = _wide(t)
    return np.asarray(np.sum(x * x) / 2, dtype=t.dtype)


def _bias_shape(value, bias, data_format):
    fmt = _fmt(data_format)
    if value.ndim < 2:
        raise ValueError(f"Input tensor must be at least 2D: {list(value.shape)}")
    if bias.ndim != 1:
        raise ValueError(f"Biases must be 1D: {list(bias.shape)}")
    axis = 1 if fmt.startswith("NC") else value.ndim - 1
    if value.shape[axis] != bias.shape[0]:
        raise ValueError(f"Must provide as many biases as the last dimension of the input tensor: "
                         f"{list(bias.shape)} vs. {list(value.shape)}")
    shape = [1] * value.ndim
    shape[axis] = bias.shape[0]
    return shape


def bias_add(value, bias, data_format="NHWC"):
    """NumPy kernel of TF op `BiasAdd`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.BiasAdd) gives its signature, shapes, dtypes and errors."""
    return np.add(value, bias.reshape(_bias_shape(value, bias, data_format)))


def bias_activation(bias, activation=None):
    """The in-place epilogue of a fused Conv2D / MatMul (TF grappler's `_FusedConv2D` /
    `_FusedMatMul` with fused_ops ["BiasAdd"] or ["BiasAdd", activation]): a function
    adding `bias` [C] along the last axis of a channels-last array, then applying `activation`
    ("Relu", "Relu6" or None), in place. It runs the same ufuncs as the BiasAdd, Relu and
    Relu6 kernels, so results are bitwise identical to the unfused ops."""
    zero, six = np.zeros((), bias.dtype), np.asarray(6, bias.dtype)

    def apply(out):
        np.add(out, bias, out=out)
        if activation == "Relu":
            np.maximum(out, zero, out=out)
        elif activation == "Relu6":
            np.clip(out, zero, six, out=out)
        return out

    return apply


def bias_add_grad(out_backprop, data_format="NHWC"):
    """NumPy kernel of TF op `BiasAddGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.BiasAddGrad) gives its signature, shapes, dtypes and errors."""
    fmt = _fmt(data_format)
    axis = 1 if fmt.startswith("NC") else out_backprop.ndim - 1
    axes = tuple(i for i in range(out_backprop.ndim) if i != axis)
    return np.sum(_wide(out_backprop), axis=axes).astype(out_backprop.dtype)


def _window_sum_depth(v, r):
    """sum over channels d-r..d+r (clipped) of v, along the last axis."""
    c = v.shape[-1]
    cs = np.cumsum(v, axis=-1)
    cs = np.concatenate([np.zeros(v.shape[:-1] + (1,), v.dtype), cs], axis=-1)
    idx = np.arange(c)
    hi = np.minimum(idx + r + 1, c)
    lo = np.maximum(idx - r, 0)
    return cs[..., hi] - cs[..., lo]


def _check_lrn(x, depth_radius):
    if x.ndim != 4:
        raise ValueError(f"input must be 4-dimensional, got shape {list(x.shape)}")
    if depth_radius < 0:
        raise ValueError(f"depth_radius = {depth_radius} must be non-negative")


def lrn(input, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    """NumPy kernel of TF op `LRN`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LRN) gives its signature, shapes, dtypes and errors."""
    _check_lrn(input, depth_radius)
    x = input.astype(np.float64)
    norm = bias + alpha * _window_sum_depth(x * x, depth_radius)
    return (x * norm ** -beta).astype(input.dtype)


def lrn_grad(input_grads, input_image, output_image, depth_radius=5, bias=1.0, alpha=1.0, beta=0.5):
    """NumPy kernel of TF op `LRNGrad`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LRNGrad) gives its signature, shapes, dtypes and errors."""
    _check_lrn(input_image, depth_radius)
    g = input_grads.astype(np.float64)
    x = input_image.astype(np.float64)
    norm = bias + alpha * _window_sum_depth(x * x, depth_radius)
    dx = g * norm ** -beta - 2 * alpha * beta * x * _window_sum_depth(g * x * norm ** (-beta - 1), depth_radius)
    return dx.astype(input_grads.dtype)


def in_top_k(predictions, targets, k):
    """InTopKV2: is predictions[i, targets[i]] among the k largest of row i (ties count
    in its favour; out-of-range targets and non-finite predictions give False)."""
    if predictions.ndim != 2:
        raise ValueError(f"predictions must be 2-dimensional, got shape {list(predictions.shape)}")
    if targets.ndim != 1:
        raise ValueError(f"targets must be 1-dimensional, got shape {list(targets.shape)}")
    if targets.shape[0] != predictions.shape[0]:
        raise ValueError(f"First dimension of predictions {predictions.shape[0]} must match length of "
                         f"targets {targets.shape[0]}")
    kk = int(np.asarray(k).reshape(-1)[0]) if np.size(k) else 0
    n, c = predictions.shape
    valid = (targets >= 0) & (targets < c)
    safe = np.where(valid, targets, 0).astype(np.int64)
    tv = predictions[np.arange(n), safe] if n else np.zeros((0,), predictions.dtype)
    finite = np.all(np.isfinite(predictions), axis=1) if c else np.ones(n, bool)
    more = np.sum(predictions > tv[:, None], axis=1)
    return valid & finite & np.isfinite(tv) & (more < kk)


def space_to_depth(input, block_size, data_format="NHWC"):
    """NumPy kernel of TF op `SpaceToDepth`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.SpaceToDepth) gives its signature, shapes, dtypes and errors."""
    fmt = _fmt(data_format)
    x = np.moveaxis(input, 1, -1) if fmt.startswith("NC") else input
    if x.ndim != 4:
        raise ValueError(f"Input rank should be: 4 instead of: {x.ndim}")
    b = int(block_size)
    if b < 2:
        raise ValueError(f"Value for attr 'block_size' of {b} must be at least minimum 2")
    n, h, w, c = x.shape
    if h % b or w % b:
        raise ValueError(f"Image width {w} and height {h} should be divisible by block_size: {b}")
    y = x.reshape(n, h // b, b, w // b, b, c).transpose(0, 1, 3, 2, 4, 5).reshape(n, h // b, w // b, b * b * c)
    return np.ascontiguousarray(np.moveaxis(y, -1, 1) if fmt.startswith("NC") else y)


def depth_to_space(input, block_size, data_format="NHWC"):
    """NumPy kernel of TF op `DepthToSpace`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.DepthToSpace) gives its signature, shapes, dtypes and errors."""
    fmt = _fmt(data_format)
    x = np.moveaxis(input, 1, -1) if fmt.startswith("NC") else input
    if x.ndim != 4:
        raise ValueError(f"Input rank should be: 4 instead of: {x.ndim}")
    b = int(block_size)
    if b < 2:
        raise ValueError(f"Value for attr 'block_size' of {b} must be at least minimum 2")
    n, h, w, c = x.shape
    if c % (b * b):
        raise ValueError(f"Input depth dimension {c} should be divisible by: {b * b}")
    oc = c // (b * b)
    y = x.reshape(n, h, w, b, b, oc).transpose(0, 1, 3, 2, 4, 5).reshape(n, h * b, w * b, oc)
    return np.ascontiguousarray(np.moveaxis(y, -1, 1) if fmt.startswith("NC") else y)


# -- fused batch norm --------------------------------------------------------------------------------
def _channel_axis(x, data_format):
    return 1 if _fmt(data_format).startswith("NC") else x.ndim - 1


def fused_batch_norm(x, scale, offset, mean, variance, epsilon=0.0001, exponential_avg_factor=1.0,
                     data_format="NHWC", is_training=True, U=None):
    """FusedBatchNormV3 -> (y, batch_mean, batch_variance, reserve_1, reserve_2, reserve_3).

    Training normalizes with the biased batch variance and reports the unbiased one (as TF);
    with exponential_avg_factor != 1 the reported statistics are running averages.
    """
    if x.ndim not in (4, 5):
        raise ValueError(f"input must be 4 or 5-dimensional{list(x.shape)}")
    ax = _channel_axis(x, data_format)
    c = x.shape[ax]
    for nm, v in (("scale", scale), ("offset", offset)):
        if v.ndim != 1 or v.shape[0] != c:
            raise ValueError(f"{nm} must have the same number of elements as the channels of x, got "
                             f"{v.shape[0] if v.ndim else v.size} and {c}")
    axes = tuple(i for i in range(x.ndim) if i != ax)
    bshape = [1] * x.ndim
    bshape[ax] = c
    xf = x.astype(np.float32) if x.dtype != np.float64 else x
    ut = scale.dtype
    if is_training:
        m = int(np.prod([x.shape[i] for i in axes]))
        bm = xf.mean(axis=axes) if m else np.full(c, np.nan, xf.dtype)
        bv = ((xf - bm.reshape(bshape)) ** 2).mean(axis=axes) if m else np.full(c, np.nan, xf.dtype)
        y = (xf - bm.reshape(bshape)) / np.sqrt(bv.reshape(bshape) + epsilon)
        unbiased = bv * (m / max(m - 1, 1))
        f = exponential_avg_factor
        if f != 1.0:
            run_m = (1 - f) * mean.astype(xf.dtype) + f * bm
            run_v = (1 - f) * variance.astype(xf.dtype) + f * unbiased
        else:
            run_m, run_v = bm, unbiased
        r1, r2 = bm, bv
    else:
        if mean.shape != (c,) or variance.shape != (c,):
            raise ValueError(f"When is_training=false, mean and variance must have {c} elements, got "
                             f"{mean.size} and {variance.size}")
        y = (xf - mean.reshape(bshape)) / np.sqrt(variance.reshape(bshape) + epsilon)
        run_m, run_v, r1, r2 = mean, variance, mean, variance
    y = y * scale.reshape(bshape) + offset.reshape(bshape)
    return (y.astype(x.dtype), run_m.astype(ut), run_v.astype(ut), r1.astype(ut), r2.astype(ut),
            np.zeros((0,), ut))


def fused_batch_norm_grad(y_backprop, x, scale, reserve_space_1, reserve_space_2, reserve_space_3,
                          epsilon=0.0001, data_format="NHWC", is_training=True, U=None):
    """FusedBatchNormGradV3 -> (x_backprop, scale_backprop, offset_backprop, reserve_4, reserve_5).

    reserve_space_1/2 are the batch mean/variance (training) or the population
    mean/variance (inference), as FusedBatchNormV3 returns them.
    """
    ax = _channel_axis(x, data_format)
    c = x.shape[ax]
    axes = tuple(i for i in range(x.ndim) if i != ax)
    bshape = [1] * x.ndim
    bshape[ax] = c
    dt = np.float64 if x.dtype == np.float64 else np.float32
    dy = y_backprop.astype(dt)
    xf = x.astype(dt)
    mean = reserve_space_1.astype(dt).reshape(bshape)
    inv = 1.0 / np.sqrt(reserve_space_2.astype(dt).reshape(bshape) + epsilon)
    xhat = (xf - mean) * inv
    d_offset = dy.sum(axis=axes)
    d_scale = (dy * xhat).sum(axis=axes)
    s = scale.astype(dt).reshape(bshape)
    if is_training:
        m = int(np.prod([x.shape[i] for i in axes]))
        dx = s * inv / max(m, 1) * (m * dy - d_offset.reshape(bshape) - xhat * d_scale.reshape(bshape))
    else:
        dx = dy * s * inv
    ut = scale.dtype
    return (dx.astype(x.dtype), d_scale.astype(ut), d_offset.astype(ut), np.zeros((0,), ut), np.zeros((0,), ut))
