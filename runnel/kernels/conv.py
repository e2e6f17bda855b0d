"""Kernels of convolutions and pooling (Conv2D, Conv3D, DepthwiseConv2dNative, MaxPool,
AvgPool ... and their backprops).

Everything is written once for N spatial dimensions in channels-last layout:
- a convolution is im2col (a strided view of the padded input, copied once) and a single
  BLAS matmul;
- its input backprop is one matmul and K strided adds (col2im, K = kernel positions);
- pools loop over the K window positions with whole-array NumPy operations.
No loop ever runs per pixel. Channels-first formats (NCHW, NCDHW) are transposed in and out.
"""

from __future__ import annotations

import itertools
import threading

import numpy as np
from numpy.lib.stride_tricks import as_strided

from runnel.kernels import nn

# ---------------------------------------------------------------------------------------------
# Layout and padding helpers
# ---------------------------------------------------------------------------------------------


def _fmt(data_format):
    if isinstance(data_format, bytes):
        data_format = data_format.decode()
    return data_format or "NHWC"


def _channels_first(data_format):
    f = _fmt(data_format)
    return f.startswith("NC")


def _to_last(x, data_format):
    if _channels_first(data_format):
        return np.moveaxis(x, 1, -1)
    return x


def _from_last(x, data_format):
    if _channels_first(data_format):
        return np.ascontiguousarray(np.moveaxis(x, -1, 1))
    return x


def _spatial(attr, data_format, nsp):
    """The spatial entries of a full-rank attr (strides, ksize, dilations)."""
    attr = [int(a) for a in attr]
    if len(attr) == nsp:
        return attr
    if _channels_first(data_format):
        return attr[2:2 + nsp]
    return attr[1:1 + nsp]


def _pad_s(padding):
    if isinstance(padding, bytes):
        padding = padding.decode()
    return padding


def output_and_padding(in_size, k, stride, dilation, padding, explicit=None):
    """(output size, pad_before, pad_after) of one spatial dim, as TF's GetWindowedOutputSize.

    Raises:
      ValueError: the output size would be negative, or bad stride.
    """
    if stride <= 0:
        raise ValueError(f"Stride must be > 0, but got {stride}")
    if dilation <= 0:
        raise ValueError(f"Dilation rate must be > 0, but got {dilation}")
    ek = (k - 1) * dilation + 1
    padding = _pad_s(padding)
    if padding == "VALID":
        out = (in_size - ek + stride) // stride
        lo = hi = 0
    elif padding == "SAME":
        out = (in_size + stride - 1) // stride
        total = max((out - 1) * stride + ek - in_size, 0)
        lo = total // 2
        hi = total - lo
    elif padding == "EXPLICIT":
        lo, hi = explicit
        out = (in_size + lo + hi - ek + stride) // stride
    else:
        raise ValueError(f"Unknown padding: {padding}")
    if out < 0:
        raise ValueError(f"Computed output size would be negative: {out} [input_size: {in_size}, "
                         f"effective_filter_size: {ek}, stride: {stride}]")
    return out, lo, hi


def _explicit(explicit_paddings, data_format, nsp):
    if not explicit_paddings:
        return [None] * nsp
    p = [int(v) for v in explicit_paddings]
    pairs = [(p[2 * i], p[2 * i + 1]) for i in range(len(p) // 2)]
    if _channels_first(data_format):
        return pairs[2:2 + nsp]
    return pairs[1:1 + nsp]


def _geometry(in_sizes, ksizes, strides, dilations, padding, explicit):
    outs, pads = [], []
    for i, (n, k, s, d) in enumerate(zip(in_sizes, ksizes, strides, dilations)):
        o, lo, hi = output_and_padding(n, k, s, d, padding, explicit[i])
        outs.append(o)
        pads.append((lo, hi))
    return outs, pads


def _pad(x, pads, value=0):
    """Pads the spatial dims (1..n) of a channels-last array; also makes sure the padded
    extent is at least `need` (returned by the caller), never negative."""
    if not any(lo or hi for lo, hi in pads):
        return x
    width = [(0, 0)] + [(max(lo, 0), max(hi, 0)) for lo, hi in pads] + [(0, 0)]
    out = np.pad(x, width, constant_values=value)
    # Negative explicit paddings crop.
    if any(lo < 0 or hi < 0 for lo, hi in pads):
        sl = [slice(None)] + [slice(-lo if lo < 0 else 0, (out.shape[i + 1] + hi) if hi < 0 else None)
                              for i, (lo, hi) in enumerate(pads)] + [slice(None)]
        out = out[tuple(sl)]
    return out


def _patches(xp, ksizes, strides, dilations, outs):
    """Strided view [N, *out, *k, C] of a padded channels-last input (no copy)."""
    st = xp.strides
    nsp = len(ksizes)
    shape = (xp.shape[0], *outs, *ksizes, xp.shape[-1])
    strides_ = (st[0], *(st[1 + i] * strides[i] for i in range(nsp)),
                *(st[1 + i] * dilations[i] for i in range(nsp)), st[-1])
    return as_strided(xp, shape=shape, strides=strides_, writeable=False)


_workspace = threading.local()

# Patch matrices are built and multiplied a few images at a time, so that a chunk's
# [P, K*C] buffer stays in cache between the copy that fills it and the matmul that reads
# it (the whole batch's buffer is tens of MB: written once to memory, read back once).
_CHUNK_BYTES = 4 << 20


def _batch_chunks(n, bytes_per_image):
    """(start, stop) ranges over the batch, each about _CHUNK_BYTES of patches."""
    step = max(1, _CHUNK_BYTES // max(1, bytes_per_image))
    return [(s, min(n, s + step)) for s in range(0, n, step)]


def _im2col(xp, ksizes, strides, dilations, outs, kp, c):
    """The patches of `xp` [n, *S, C] copied into a [n * prod(outs), K, C] array. The buffer
    is this thread's workspace, reused by the next call: callers consume it before the next
    one (a fresh array per call costs more in page faults than the copy itself)."""
    n = xp.shape[0]
    p = n * int(np.prod(outs))
    size = p * kp * c
    buf = getattr(_workspace, "cols", None)
    if buf is None or buf.dtype != xp.dtype or buf.size < size:
        buf = _workspace.cols = np.empty(size, xp.dtype)
    cols = buf[:size].reshape(p, kp, c)
    np.copyto(cols.reshape(n, *outs, *ksizes, c), _patches(xp, ksizes, strides, dilations, outs))
    return cols


def _window_slices(ksizes, strides, dilations, outs):
    """For each kernel position: (flat index, slice tuple into the padded input)."""
    for flat, pos in enumerate(itertools.product(*[range(k) for k in ksizes])):
        sl = (slice(None),) + tuple(slice(p * d, p * d + (o - 1) * s + 1, s) if o > 0 else slice(0, 0)
                                    for p, d, s, o in zip(pos, dilations, strides, outs)) + (slice(None),)
        yield flat, sl


def _padded_extent(in_sizes, pads, ksizes, strides, dilations, outs):
    ext = []
    for n, (lo, hi), k, s, d, o in zip(in_sizes, pads, ksizes, strides, dilations, outs):
        need = (o - 1) * s + (k - 1) * d + 1 if o > 0 else 0
        ext.append(max(n + lo + hi, need))
    return ext


def _compute_dtype(dtype):
    """float16/bfloat16 accumulate in float32 (as TF's CPU kernels do)."""
    dtype = np.dtype(dtype)
    if dtype.kind == "f" and dtype.itemsize < 4 or dtype.name == "bfloat16":
        return np.float32
    if dtype.kind in "iu":
        return np.float64 if dtype.itemsize >= 4 else np.float32
    return dtype


def _crop(xp, pads, in_sizes):
    sl = (slice(None),) + tuple(slice(lo, lo + n) for (lo, _), n in zip(pads, in_sizes)) + (slice(None),)
    return xp[sl]


# ---------------------------------------------------------------------------------------------
# Convolution core (channels-last, N spatial dims)
# ---------------------------------------------------------------------------------------------


def _conv_geometry(x_shape, w_shape, strides, dilations, padding, explicit):
    nsp = len(x_shape) - 2
    in_sizes = list(x_shape[1:1 + nsp])
    ksizes = list(w_shape[:nsp])
    outs, pads = _geometry(in_sizes, ksizes, strides, dilations, padding, explicit)
    return in_sizes, ksizes, outs, pads


def _conv_forward(x, w, strides, dilations, padding, explicit, depthwise=False, epilogue=None):
    """x [N, *S, C], w [*K, C, O] (depthwise: [*K, C, M]) -> [N, *O, O or C*M].

    `epilogue` (fused ops, see nn.bias_activation) is applied in place to each chunk of the
    output while it is in cache; only for float32/float64, where no final cast follows."""
    nsp = x.ndim - 2
    in_sizes, ksizes, outs, pads = _conv_geometry(x.shape, w.shape, strides, dilations, padding, explicit)
    c = x.shape[-1]
    if w.shape[nsp] != c and not depthwise and c % w.shape[nsp] == 0:
        return _finish(_grouped(x, w, strides, dilations, padding, explicit), epilogue)
    if w.shape[nsp] != c:
        raise ValueError(f"input depth must be evenly divisible by filter depth: {c} vs {w.shape[nsp]}")
    ct = _compute_dtype(x.dtype)
    xc = x.astype(ct, copy=False)
    wc = w.astype(ct, copy=False)
    xp = _pad(xc, pads)
    n = x.shape[0]
    kp = int(np.prod(ksizes)) if ksizes else 1
    per_image = int(np.prod(outs))
    if depthwise:
        m = w.shape[-1]
        p = n * per_image
        cols = _im2col(xp, ksizes, strides, dilations, outs, kp, c) if p else np.zeros((0, kp, c), ct)
        # Per channel: [P, K] @ [K, M], batched over channels.
        out = np.matmul(cols.transpose(2, 0, 1), wc.reshape(kp, c, m).transpose(1, 0, 2))  # [C, P, M]
        out = out.transpose(1, 0, 2).reshape(n, *outs, c * m)
        return _finish(out.astype(x.dtype, copy=False), epilogue)
    o = w.shape[-1]
    w2 = wc.reshape(kp * c, o)
    if kp == 1 and all(s == 1 for s in strides) and xp.shape[1:-1] == tuple(outs):
        out = (xp.reshape(n * per_image, c) @ w2).reshape(n, *outs, o)  # 1x1: no patches
        return _finish(out.astype(x.dtype, copy=False), epilogue)
    out = np.empty((n, *outs, o), ct)
    for s, e in _batch_chunks(n, per_image * kp * c * xp.itemsize):
        rows = (e - s) * per_image
        cols = _im2col(xp[s:e], ksizes, strides, dilations, outs, kp, c)
        part = np.matmul(cols.reshape(rows, kp * c), w2, out=out[s:e].reshape(rows, o))
        if epilogue is not None:
            epilogue(part)
    return out.astype(x.dtype, copy=False)


def _finish(out, epilogue):
    return out if epilogue is None else epilogue(out)


def _grouped(x, w, strides, dilations, padding, explicit):
    nsp = x.ndim - 2
    cg = w.shape[nsp]
    groups = x.shape[-1] // cg
    og = w.shape[-1] // groups
    parts = [_conv_forward(x[..., g * cg:(g + 1) * cg], w[..., g * og:(g + 1) * og], strides, dilations,
                           padding, explicit) for g in range(groups)]
    return np.concatenate(parts, axis=-1)


def _col2im(dcols, x_shape, ksizes, strides, dilations, outs, pads, dtype):
    """Scatter-adds patch gradients [N, *O, K, C] back into an input-shaped array."""
    nsp = len(ksizes)
    in_sizes = list(x_shape[1:1 + nsp])
    ext = _padded_extent(in_sizes, [(max(lo, 0), max(hi, 0)) for lo, hi in pads], ksizes, strides, dilations, outs)
    neg_lo = [min(lo, 0) for lo, _ in pads]
    pos_pads = [(max(lo, 0), max(hi, 0)) for lo, hi in pads]
    dxp = np.zeros((x_shape[0], *ext, x_shape[-1]), dtype)
    for flat, sl in _window_slices(ksizes, strides, dilations, outs):
        dxp[sl] += dcols[..., flat, :]
    # Undo padding; negative (cropping) explicit paddings mean the input extends beyond.
    if any(neg_lo) or any(hi < 0 for _, hi in pads):
        full = np.zeros((x_shape[0], *in_sizes, x_shape[-1]), dtype)
        src, dst = [slice(None)], [slice(None)]
        for i, ((lo, _), n) in enumerate(zip(pads, in_sizes)):
            start = max(lo, 0)
            off = -lo if lo < 0 else 0
            length = min(ext[i] - start, n - off)
            src.append(slice(start, start + length))
            dst.append(slice(off, off + length))
        full[tuple(dst + [slice(None)])] = dxp[tuple(src + [slice(None)])]
        return full
    return _crop(dxp, pos_pads, in_sizes)


def _conv_backprop_input(in_shape, w, dy, strides, dilations, padding, explicit, depthwise=False):
    nsp = dy.ndim - 2
    in_shape = [int(v) for v in in_shape]
    in_sizes, ksizes, outs, pads = _conv_geometry(in_shape, w.shape, strides, dilations, padding, explicit)
    if list(dy.shape[1:1 + nsp]) != outs:
        raise ValueError(f"Conv2DCustomBackpropInput: Size of out_backprop doesn't match computed: "
                         f"actual = {dy.shape[1]}, computed = {outs[0]}")
    ct = _compute_dtype(dy.dtype)
    c = in_shape[-1]
    kp = int(np.prod(ksizes))
    n = in_shape[0]
    p = n * int(np.prod(outs))
    dyc = dy.astype(ct, copy=False)
    wc = w.astype(ct, copy=False)
    if depthwise:
        m = w.shape[-1]
        # dcols[p, k, c] = sum_m dy[p, c, m] * w[k, c, m]
        dcols = np.matmul(dyc.reshape(p, c, m).transpose(1, 0, 2), wc.reshape(kp, c, m).transpose(1, 2, 0))  # [C,P,K]
        dcols = dcols.transpose(1, 2, 0)
    elif w.shape[nsp] != c:
        cg = w.shape[nsp]
        groups = c // cg
        og = w.shape[-1] // groups
        parts = []
        for g in range(groups):
            parts.append((dyc.reshape(p, -1)[:, g * og:(g + 1) * og] @ wc.reshape(kp, cg, -1)[..., g * og:(g + 1) * og]
                          .reshape(kp * cg, og).T).reshape(p, kp, cg))
        dcols = np.concatenate(parts, axis=-1)
    else:
        # One [P, O] x [O, C] matmul per kernel position, added straight into place
        # (contiguous products; no [P, K, C] buffer).
        o = w.shape[-1]
        dy2 = dyc.reshape(p, o)
        wk = wc.reshape(kp, c, o)
        ext = _padded_extent(in_sizes, [(max(lo, 0), max(hi, 0)) for lo, hi in pads], ksizes, strides, dilations,
                             outs)
        if all(lo >= 0 and hi >= 0 for lo, hi in pads):
            # A few images at a time, so each chunk's sums stay in cache across positions.
            dxp = np.zeros((n, *ext, c), ct)
            per_image = p // n if n else 0
            prod = np.empty((p, c), ct)  # one product buffer reused by every kernel position
            chunk_bytes = (int(np.prod(ext)) * c + per_image * (c + o)) * dxp.itemsize
            slices = list(_window_slices(ksizes, strides, dilations, outs))
            for s, e in _batch_chunks(n, chunk_bytes):
                rows = (e - s) * per_image
                part, dy_part, prod_part = dxp[s:e], dy2[s * per_image:e * per_image], prod[:rows]
                for flat, sl in slices:
                    part[sl] += np.matmul(dy_part, wk[flat].T, out=prod_part).reshape(e - s, *outs, c)
            return _crop(dxp, pads, in_sizes).astype(dy.dtype, copy=False)
        dcols = (dy2 @ wc.reshape(kp * c, o).T).reshape(p, kp, c)
    dcols = dcols.reshape(n, *outs, kp, c)
    dx = _col2im(dcols, in_shape, ksizes, strides, dilations, outs, pads, ct)
    return dx.astype(dy.dtype, copy=False)


def _conv_backprop_filter(x, w_shape, dy, strides, dilations, padding, explicit, depthwise=False):
    nsp = x.ndim - 2
    w_shape = [int(v) for v in w_shape]
    in_sizes, ksizes, outs, pads = _conv_geometry(x.shape, w_shape, strides, dilations, padding, explicit)
    ct = _compute_dtype(x.dtype)
    xp = _pad(x.astype(ct, copy=False), pads)
    c = x.shape[-1]
    kp = int(np.prod(ksizes))
    n = x.shape[0]
    per_image = int(np.prod(outs))
    p = n * per_image
    dyc = dy.astype(ct, copy=False)
    if not depthwise and w_shape[nsp] == c:
        # Accumulated over chunks of a few images (see _batch_chunks).
        o = w_shape[-1]
        dy2 = dyc.reshape(p, o)
        dw = np.zeros((kp * c, o), ct)
        prod = np.empty_like(dw)
        for s, e in _batch_chunks(n, per_image * kp * c * xp.itemsize):
            rows = (e - s) * per_image
            cols = _im2col(xp[s:e], ksizes, strides, dilations, outs, kp, c).reshape(rows, kp * c)
            dw += np.matmul(cols.T, dy2[s * per_image:e * per_image], out=prod)
        return dw.reshape(w_shape).astype(x.dtype, copy=False)
    cols = _im2col(xp, ksizes, strides, dilations, outs, kp, c)
    if depthwise:
        m = w_shape[-1]
        dw = np.matmul(cols.transpose(2, 1, 0), dyc.reshape(p, c, m).transpose(1, 0, 2))  # [C, K, M]
        dw = dw.transpose(1, 0, 2)
    else:  # grouped
        cg = w_shape[nsp]
        groups = c // cg
        og = w_shape[-1] // groups
        parts = []
        for g in range(groups):
            cg_cols = cols[..., g * cg:(g + 1) * cg].reshape(p, kp * cg)
            parts.append((cg_cols.T @ dyc.reshape(p, -1)[:, g * og:(g + 1) * og]).reshape(kp, cg, og))
        dw = np.concatenate(parts, axis=-1)
    return dw.reshape(w_shape).astype(x.dtype, copy=False)


def _conv_attrs(x_ndim, strides, dilations, data_format, explicit_paddings=None):
    nsp = x_ndim - 2
    return (_spatial(strides, data_format, nsp), _spatial(dilations, data_format, nsp),
            _explicit(explicit_paddings, data_format, nsp))


def _check_conv(x, w, strides, nsp, name="Conv2D"):
    if x.ndim != nsp + 2:
        raise ValueError(f"input must be {nsp + 2}-dimensional{list(x.shape)}")
    if w.ndim != nsp + 2:
        raise ValueError(f"filter must be {nsp + 2}-dimensional: {list(w.shape)}")
    if len(strides) != nsp + 2:
        raise ValueError(f"Sliding window strides field must specify {nsp + 2} dimensions")


# ---------------------------------------------------------------------------------------------
# Public kernels
# ---------------------------------------------------------------------------------------------


def conv(input, filter, strides, padding, explicit_paddings=(), data_format="NHWC", dilations=None,
         use_cudnn_on_gpu=True, epilogue=None):
    """Conv2D / Conv3D: channels-last or channels-first, any number of spatial dims.
    `epilogue`: fused BiasAdd/activation (see _conv_forward), from the remapping pass."""
    nsp = input.ndim - 2
    dilations = dilations or [1] * (nsp + 2)
    _check_conv(input, filter, strides, nsp)
    s, d, e = _conv_attrs(input.ndim, strides, dilations, data_format, explicit_paddings)
    x = _to_last(input, data_format)
    return _from_last(_conv_forward(x, filter, s, d, padding, e, epilogue=epilogue), data_format)


def fused_conv2d(input, filter, bias, activation=None, **attrs):
    """Grappler's `_FusedConv2D` (Conv2D + BiasAdd [+ Relu/Relu6]): the bias and activation
    are applied to each output chunk in cache instead of in two more passes over memory."""
    return conv(input, filter, epilogue=nn.bias_activation(bias, activation), **attrs)


def _in_shape_last(sizes, data_format):
    sizes = [int(v) for v in np.asarray(sizes).reshape(-1)]
    if _channels_first(data_format):
        return [sizes[0], *sizes[2:], sizes[1]]
    return sizes


def conv_backprop_input(input_sizes, filter, out_backprop, strides, padding, explicit_paddings=(),
                        data_format="NHWC", dilations=None, use_cudnn_on_gpu=True):
    """Conv2DBackpropInput / Conv3DBackpropInputV2: gradient of conv w.r.t. its input."""
    nsp = out_backprop.ndim - 2
    dilations = dilations or [1] * (nsp + 2)
    s, d, e = _conv_attrs(out_backprop.ndim, strides, dilations, data_format, explicit_paddings)
    dy = _to_last(out_backprop, data_format)
    shape = _in_shape_last(input_sizes, data_format)
    if len(shape) != nsp + 2:
        raise ValueError(f"input_sizes must be {nsp + 2}-dimensional, got: {len(shape)}")
    return _from_last(_conv_backprop_input(shape, filter, dy, s, d, padding, e), data_format)


def conv_backprop_filter(input, filter_sizes, out_backprop, strides, padding, explicit_paddings=(),
                         data_format="NHWC", dilations=None, use_cudnn_on_gpu=True):
    """Conv2DBackpropFilter / Conv3DBackpropFilterV2: gradient of conv w.r.t. its filter."""
    nsp = input.ndim - 2
    dilations = dilations or [1] * (nsp + 2)
    s, d, e = _conv_attrs(input.ndim, strides, dilations, data_format, explicit_paddings)
    x = _to_last(input, data_format)
    dy = _to_last(out_backprop, data_format)
    return _conv_backprop_filter(x, np.asarray(filter_sizes).reshape(-1), dy, s, d, padding, e)


def depthwise_conv(input, filter, strides, padding, explicit_paddings=(), data_format="NHWC", dilations=None):
    """DepthwiseConv2dNative: filter [kh, kw, C, M] -> output channels C * M."""
    dilations = dilations or [1, 1, 1, 1]
    _check_conv(input, filter, strides, 2)
    s, d, e = _conv_attrs(input.ndim, strides, dilations, data_format, explicit_paddings)
    x = _to_last(input, data_format)
    if filter.shape[2] != x.shape[-1]:
        raise ValueError(f"input and filter must have the same depth: {x.shape[-1]} vs {filter.shape[2]}")
    return _from_last(_conv_forward(x, filter, s, d, padding, e, depthwise=True), data_format)


def depthwise_conv_backprop_input(input_sizes, filter, out_backprop, strides, padding, explicit_paddings=(),
                                  data_format="NHWC", dilations=None):
    """DepthwiseConv2dNativeBackpropInput."""
    dilations = dilations or [1, 1, 1, 1]
    s, d, e = _conv_attrs(out_backprop.ndim, strides, dilations, data_format, explicit_paddings)
    dy = _to_last(out_backprop, data_format)
    shape = _in_shape_last(input_sizes, data_format)
    return _from_last(_conv_backprop_input(shape, filter, dy, s, d, padding, e, depthwise=True), data_format)


def depthwise_conv_backprop_filter(input, filter_sizes, out_backprop, strides, padding, explicit_paddings=(),
                                   data_format="NHWC", dilations=None):
    """DepthwiseConv2dNativeBackpropFilter."""
    dilations = dilations or [1, 1, 1, 1]
    s, d, e = _conv_attrs(input.ndim, strides, dilations, data_format, explicit_paddings)
    x = _to_last(input, data_format)
    dy = _to_last(out_backprop, data_format)
    return _conv_backprop_filter(x, np.asarray(filter_sizes).reshape(-1), dy, s, d, padding, e, depthwise=True)


# ---------------------------------------------------------------------------------------------
# Pooling
# ---------------------------------------------------------------------------------------------


def _pool_geometry(x_shape, ksize, strides, padding, data_format, explicit_paddings=()):
    """Channels-last geometry: (nsp, ks, ss, outs, pads)."""
    nsp = len(x_shape) - 2
    if len(ksize) != nsp + 2:
        raise ValueError(f"Sliding window ksize field must specify {nsp + 2} dimensions")
    if len(strides) != nsp + 2:
        raise ValueError(f"Sliding window stride field must specify {nsp + 2} dimensions")
    full_k = [int(v) for v in ksize]
    full_s = [int(v) for v in strides]
    cf = _channels_first(data_format)
    if full_k[0] != 1 or full_s[0] != 1 or (full_k[1] if cf else full_k[-1]) != 1 or \
            (full_s[1] if cf else full_s[-1]) != 1:
        raise NotImplementedError("Pooling is not yet supported on the batch nor channel dimension.")
    ks = _spatial(ksize, data_format, nsp)
    ss = _spatial(strides, data_format, nsp)
    explicit = _explicit(explicit_paddings, data_format, nsp)
    in_sizes = list(x_shape[1:1 + nsp])
    for k in ks:
        if k <= 0:
            raise ValueError("Sliding window ksize for dimension 1 was zero.")
    outs, pads = _geometry(in_sizes, ks, ss, [1] * nsp, padding, explicit)
    return nsp, ks, ss, outs, pads


def _lowest(dtype):
    dtype = np.dtype(dtype)
    if dtype.kind == "f" or dtype.name == "bfloat16":
        return -np.inf
    if dtype.kind in "iu":
        return np.iinfo(dtype).min
    return -np.inf


def _max_and_arg(x, ks, ss, outs, pads):
    """Max over each window and the flat window position of the first maximum."""
    xp = _pad(x, pads, _lowest(x.dtype))
    ones = [1] * len(ks)
    best = idx = None
    for flat, sl in _window_slices(ks, ss, ones, outs):
        v = xp[sl]
        if best is None:
            best = v.copy()
            idx = np.zeros(best.shape, np.int32)
            continue
        # Strictly greater keeps the first maximum; arithmetic beats masked copies here.
        m = np.greater(v, best)
        np.maximum(best, v, out=best)
        step = np.subtract(np.int32(flat), idx)
        step *= m
        idx += step
    return best, idx


def max_pool(input, ksize, strides, padding, explicit_paddings=(), data_format="NHWC"):
    """MaxPool / MaxPool3D."""
    x = _to_last(input, data_format)
    nsp, ks, ss, outs, pads = _pool_geometry(x.shape, ksize, strides, padding, data_format, explicit_paddings)
    xp = _pad(x, pads, _lowest(x.dtype))
    out = None
    for _, sl in _window_slices(ks, ss, [1] * nsp, outs):
        out = xp[sl].copy() if out is None else np.maximum(out, xp[sl], out=out)
    return _from_last(out, data_format)


def max_pool_grad(orig_input, orig_output, grad, ksize, strides, padding, explicit_paddings=(),
                  data_format="NHWC"):
    """MaxPoolGrad / MaxPool3DGrad: routes each gradient to its window's first maximum."""
    x = _to_last(orig_input, data_format)
    g = _to_last(grad, data_format)
    nsp, ks, ss, outs, pads = _pool_geometry(x.shape, ksize, strides, padding, data_format, explicit_paddings)
    if ks == ss and not any(lo or hi for lo, hi in pads):
        return _from_last(_max_pool_grad_tiled(x, _to_last(orig_output, data_format), g, ks, outs), data_format)
    _, idx = _max_and_arg(x, ks, ss, outs, pads)
    ct = _compute_dtype(g.dtype)
    gc = g.astype(ct, copy=False)
    ext = _padded_extent(list(x.shape[1:1 + nsp]), pads, ks, ss, [1] * nsp, outs)
    dxp = np.zeros((x.shape[0], *ext, x.shape[-1]), ct)
    zero = np.zeros((), ct)
    for flat, sl in _window_slices(ks, ss, [1] * nsp, outs):
        dxp[sl] += np.where(idx == flat, gc, zero)
    dx = _crop(dxp, pads, list(x.shape[1:1 + nsp]))
    return _from_last(dx.astype(grad.dtype, copy=False), data_format)


def _max_pool_grad_tiled(x, y, g, ks, outs):
    """MaxPoolGrad for non-overlapping windows (strides == ksize, no padding): each window
    position is compared with the pooled output `y`, and the gradient goes to the first
    position equal to the maximum (TF's tie rule), written straight into place. Runs a few
    images at a time so the masks and sums of a chunk stay in cache."""
    covered = all(o * k == n for o, k, n in zip(outs, ks, x.shape[1:-1]))
    dx = np.empty(x.shape, g.dtype) if covered else np.zeros(x.shape, g.dtype)
    finite = bool(np.isfinite(g).all()) if g.dtype.kind == "f" else True
    windows = list(_window_slices(ks, ks, [1] * len(ks), outs))
    for s, e in _batch_chunks(x.shape[0], 4 * x[:1].nbytes):
        xc, yc, gc, dxc = x[s:e], y[s:e], g[s:e], dx[s:e]
        taken = None
        for _, sl in windows:
            hit = xc[sl] == yc
            if taken is None:
                taken = hit.copy()
            else:
                hit &= ~taken
                taken |= hit
            if finite:   # a multiply by the 0/1 mask is faster than a masked copy
                np.multiply(gc, hit, out=dxc[sl])
            else:
                dxc[sl] = np.where(hit, gc, np.zeros((), g.dtype))
    return dx


def max_pool_grad_grad(orig_input, orig_output, grad, ksize, strides, padding, data_format="NHWC",
                       explicit_paddings=()):
    """MaxPoolGradGrad / MaxPool3DGradGrad: `grad` (input-shaped) read at each window's max."""
    x = _to_last(orig_input, data_format)
    g = _to_last(grad, data_format)
    nsp, ks, ss, outs, pads = _pool_geometry(x.shape, ksize, strides, padding, data_format, explicit_paddings)
    _, idx = _max_and_arg(x, ks, ss, outs, pads)
    gp = _pad(g, pads, 0)
    out = np.zeros(idx.shape, g.dtype)
    for flat, sl in _window_slices(ks, ss, [1] * nsp, outs):
        np.copyto(out, gp[sl], where=idx == flat)
    return _from_last(out, data_format)


def _avg_counts(in_sizes, ks, ss, outs, pads):
    """Number of non-padding elements in each window (outer product over dims)."""
    count = np.ones((), np.float64)
    for n, k, s, o, (lo, _) in zip(in_sizes, ks, ss, outs, pads):
        start = np.arange(o) * s - lo
        c = np.minimum(start + k, n) - np.maximum(start, 0)
        count = np.multiply.outer(count, c.astype(np.float64))
    return count


def avg_pool(value, ksize, strides, padding, data_format="NHWC"):
    """AvgPool / AvgPool3D: SAME padding averages only the in-bounds elements, as TF."""
    x = _to_last(value, data_format)
    nsp, ks, ss, outs, pads = _pool_geometry(x.shape, ksize, strides, padding, data_format)
    ct = _compute_dtype(x.dtype)
    xp = _pad(x.astype(ct, copy=False), pads)
    acc = None
    for _, sl in _window_slices(ks, ss, [1] * nsp, outs):
        acc = xp[sl].copy() if acc is None else np.add(acc, xp[sl], out=acc)
    count = _avg_counts(list(x.shape[1:1 + nsp]), ks, ss, outs, pads)
    out = acc / count[None, ..., None].astype(ct)
    return _from_last(out.astype(value.dtype, copy=False), data_format)


def avg_pool_grad(orig_input_shape, grad, ksize, strides, padding, data_format="NHWC"):
    """AvgPoolGrad / AvgPool3DGrad: spreads each gradient evenly over its window."""
    shape = _in_shape_last(orig_input_shape, data_format)
    g = _to_last(grad, data_format)
    nsp, ks, ss, outs, pads = _pool_geometry(shape, ksize, strides, padding, data_format)
    if list(g.shape[1:1 + nsp]) != outs:
        raise ValueError(f"Expected grad shape {[shape[0], *outs, shape[-1]]}, got {list(g.shape)}")
    ct = _compute_dtype(g.dtype)
    in_sizes = shape[1:1 + nsp]
    count = _avg_counts(in_sizes, ks, ss, outs, pads)
    gs = g.astype(ct, copy=False) / count[None, ..., None].astype(ct)
    ext = _padded_extent(in_sizes, pads, ks, ss, [1] * nsp, outs)
    dxp = np.zeros((shape[0], *ext, shape[-1]), ct)
    for _, sl in _window_slices(ks, ss, [1] * nsp, outs):
        dxp[sl] += gs
    dx = _crop(dxp, pads, in_sizes)
    return _from_last(dx.astype(grad.dtype, copy=False), data_format)


def _argmax_flat(x_shape, idx, ks, ss, outs, pads, include_batch_in_index):
    """TF's flattened argmax: ((b * H + y) * W + x) * C + c (b only with include_batch)."""
    n, c = x_shape[0], x_shape[-1]
    nsp = len(ks)
    in_sizes = x_shape[1:1 + nsp]
    pos = np.unravel_index(idx, ks)
    flat = np.zeros(idx.shape, np.int64)
    for i in range(nsp):
        o = np.arange(outs[i]) * ss[i] - pads[i][0]
        shape = [1] * idx.ndim
        shape[1 + i] = outs[i]
        coord = o.reshape(shape) + pos[i]
        flat = flat * in_sizes[i] + coord
    flat = flat * c + np.arange(c).reshape([1] * (idx.ndim - 1) + [c])
    if include_batch_in_index:
        per = int(np.prod(in_sizes)) * c
        flat = flat + (np.arange(n) * per).reshape([n] + [1] * (idx.ndim - 1))
    return flat


def max_pool_with_argmax(input, ksize, strides, padding, Targmax=None, include_batch_in_index=False):
    """MaxPoolWithArgmax (NHWC): the max and its flattened input position."""
    nsp, ks, ss, outs, pads = _pool_geometry(input.shape, ksize, strides, padding, "NHWC")
    best, idx = _max_and_arg(input, ks, ss, outs, pads)
    arg = _argmax_flat(input.shape, idx, ks, ss, outs, pads, include_batch_in_index)
    dt = np.dtype(Targmax.as_numpy_dtype) if Targmax is not None else np.int64
    return best, arg.astype(dt)


def _batch_offsets(argmax, x_shape, include_batch_in_index):
    a = argmax.astype(np.int64)
    if include_batch_in_index:
        return a
    per = int(np.prod(x_shape[1:]))
    return a + (np.arange(x_shape[0]) * per).reshape([x_shape[0]] + [1] * (a.ndim - 1))


def max_pool_grad_with_argmax(input, grad, argmax, ksize, strides, padding, include_batch_in_index=False):
    """MaxPoolGradWithArgmax: scatter-adds `grad` to the argmax positions."""
    total = input.size
    flat = _batch_offsets(argmax, input.shape, include_batch_in_index).reshape(-1)
    if flat.size and (flat.min() < 0 or flat.max() >= total):
        raise ValueError("Invalid argmax: values must be in [0, input size)")
    dx = np.bincount(flat, weights=grad.reshape(-1).astype(np.float64), minlength=total)
    return dx.reshape(input.shape).astype(input.dtype)


def max_pool_grad_grad_with_argmax(input, grad, argmax, ksize, strides, padding, include_batch_in_index=False):
    """MaxPoolGradGradWithArgmax: reads input-shaped `grad` at the argmax positions."""
    flat = _batch_offsets(argmax, input.shape, include_batch_in_index)
    if flat.size and (flat.min() < 0 or flat.max() >= input.size):
        raise ValueError("Invalid argmax: values must be in [0, input size)")
    return grad.reshape(-1)[flat].astype(input.dtype)
