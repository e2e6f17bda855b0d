"""Kernels of linear algebra: matmul, einsum, band/diagonal ops, decompositions, solvers.

Batched kernels work on the last two dims and vectorize over the leading (batch) dims.
float16/bfloat16 inputs are computed in float32 and rounded once, as TF's CPU kernels do.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

from runnel.kernels import nn

_LOW_PRECISION = frozenset(("float16", "bfloat16"))
_BF16 = np.dtype(ml_dtypes.bfloat16)
_LOW_PRECISION_DTYPES = frozenset((np.dtype(np.float16), _BF16))


def _low(x):
    return x.dtype in _LOW_PRECISION_DTYPES


def _to_bfloat16(x):
    """float32 -> bfloat16 by truncation, as TF's CPU matmul kernels round their bf16 output."""
    bits = np.ascontiguousarray(x, dtype=np.float32).view(np.uint32) >> 16
    return bits.astype(np.uint16).view(_BF16)


def _narrow(x, dtype):
    return _to_bfloat16(x) if dtype == _BF16 else x.astype(dtype)


def _shape(x):
    return "[" + ",".join(str(d) for d in x.shape) + "]"


# -- matmul --------------------------------------------------------------------------------------
def fused_mat_mul(a, b, bias, activation=None, **attrs):
    """Grappler's `_FusedMatMul` (MatMul + BiasAdd [+ Relu/Relu6]): the bias and activation
    are applied in place to the product (one allocation and two executor steps fewer)."""
    return nn.bias_activation(bias, activation)(mat_mul(a, b, **attrs))


def mat_mul(a, b, transpose_a=False, transpose_b=False, grad_a=False, grad_b=False):
    """NumPy kernel of TF op `MatMul`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatMul) gives its signature, shapes, dtypes and errors."""
    ka = a.shape[0] if transpose_a else a.shape[1]
    kb = b.shape[1] if transpose_b else b.shape[0]
    if ka != kb:
        raise ValueError(f"Matrix size-incompatible: In[0]: {_shape(a)}, In[1]: {_shape(b)}")
    if transpose_a:
        a = a.T
    if transpose_b:
        b = b.T
    if a.dtype in _LOW_PRECISION_DTYPES:  # dtype objects: a set lookup, not a name string
        return _narrow(np.dot(a.astype(np.float32), b.astype(np.float32)), a.dtype)
    return np.dot(a, b)


def _batch_matmul(x, y, adj_x, adj_y, out_dtype):
    if x.ndim < 2 or y.ndim < 2:
        raise ValueError(f"In[0] and In[1] must be at least rank 2: {_shape(x)} vs. {_shape(y)}")
    kx = x.shape[-2] if adj_x else x.shape[-1]
    ky = y.shape[-1] if adj_y else y.shape[-2]
    if kx != ky:
        raise ValueError(f"Matrix size-incompatible: In[0]: {_shape(x)}, In[1]: {_shape(y)}")
    try:
        np.broadcast_shapes(x.shape[:-2], y.shape[:-2])
    except ValueError:
        raise ValueError(f"In[0] and In[1] must have compatible batch dimensions: "
                         f"{_shape(x)} vs. {_shape(y)}") from None
    if adj_x:
        x = np.conj(np.swapaxes(x, -1, -2))
    if adj_y:
        y = np.conj(np.swapaxes(y, -1, -2))
    if x.dtype != out_dtype or y.dtype != out_dtype or _low(x):
        wide = np.float32 if out_dtype.name in _LOW_PRECISION else np.result_type(out_dtype)
        return _narrow(np.matmul(x.astype(wide), y.astype(wide)), out_dtype)
    return np.matmul(x, y)


def batch_mat_mul(x, y, adj_x=False, adj_y=False, grad_x=False, grad_y=False):
    """NumPy kernel of TF op `BatchMatMulV2`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.BatchMatMulV2) gives its signature, shapes, dtypes and errors."""
    return _batch_matmul(x, y, adj_x, adj_y, x.dtype)


def batch_mat_mul_v3(x, y, Tout, adj_x=False, adj_y=False, grad_x=False, grad_y=False):
    """NumPy kernel of TF op `BatchMatMulV3`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.BatchMatMulV3) gives its signature, shapes, dtypes and errors."""
    return _batch_matmul(x, y, adj_x, adj_y, np.dtype(Tout.as_numpy_dtype))


# -- einsum ----------------------------------------------------------------------------------------
def einsum(inputs, equation):
    """NumPy kernel of TF op `Einsum`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Einsum) gives its signature, shapes, dtypes and errors."""
    dt = inputs[0].dtype
    if dt.name in _LOW_PRECISION:
        return np.einsum(equation, *[x.astype(np.float32) for x in inputs]).astype(dt)
    out = np.einsum(equation, *inputs, optimize=len(inputs) > 2)
    return np.asarray(out, dtype=dt)


# -- band and diagonal ops -----------------------------------------------------------------------------
def matrix_band_part(input, num_lower, num_upper):
    """NumPy kernel of TF op `MatrixBandPart`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixBandPart) gives its signature, shapes, dtypes and errors."""
    if np.ndim(num_lower) != 0:
        raise ValueError(f"num_lower must be scalar, got shape {list(np.shape(num_lower))}")
    if np.ndim(num_upper) != 0:
        raise ValueError(f"num_upper must be scalar, got shape {list(np.shape(num_upper))}")
    lo, hi = int(num_lower), int(num_upper)
    m, n = input.shape[-2], input.shape[-1]
    if lo > m:
        raise ValueError(f"num_lower must be negative or less or equal to number of rows ({m}) got: {lo}")
    if hi > n:
        raise ValueError(f"num_upper must be negative or less or equal to number of columns ({n}) got: {hi}")
    d = np.arange(n)[None, :] - np.arange(m)[:, None]  # j - i
    keep = np.ones((m, n), dtype=bool)
    if lo >= 0:
        keep &= d >= -lo
    if hi >= 0:
        keep &= d <= hi
    return np.where(keep, input, np.zeros((), input.dtype))


def _diag_range(k):
    k = np.asarray(k).reshape(-1)
    if k.size == 0 or k.size > 2:
        raise ValueError(f"diag_index must have only one or two elements, received {k.size} elements.")
    lo, hi = int(k[0]), int(k[-1])
    if lo > hi:
        raise ValueError(f"lower_diag_index must not be larger than upper_diag_index: {lo} > {hi}")
    return lo, hi


def _left_aligned(align):
    """(superdiagonals left-aligned, subdiagonals left-aligned) for an `align` attr."""
    if isinstance(align, bytes):
        align = align.decode()
    sup, _, sub = align.partition("_")
    return sup == "LEFT", sub == "LEFT"


def _diag_layout(m, n, lo, hi, max_len, align):
    """For an m x n matrix and diagonals lo..hi packed as [hi-lo+1, max_len] rows (row 0 is
    diagonal hi): the band mask, and the packed (row, position) of each band element."""
    sup_left, sub_left = _left_aligned(align)
    i = np.arange(m)[:, None]
    j = np.arange(n)[None, :]
    d = j - i
    band = (d >= lo) & (d <= hi)
    length = np.minimum(m + np.minimum(0, d), n - np.maximum(0, d))
    left = np.where(d >= 0, sup_left, sub_left)
    offset = np.where(left, 0, max_len - length)
    pos = np.where(d >= 0, i, j) + offset
    row = hi - d
    return band, np.clip(row, 0, hi - lo), np.clip(pos, 0, max(max_len - 1, 0))


def matrix_diag_v3(diagonal, k, num_rows, num_cols, padding_value, align="RIGHT_LEFT"):
    """NumPy kernel of TF op `MatrixDiagV3`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixDiagV3) gives its signature, shapes, dtypes and errors."""
    lo, hi = _diag_range(k)
    num_rows, num_cols = int(num_rows), int(num_cols)
    if np.ndim(padding_value) != 0:
        raise ValueError("padding_value must be a scalar")
    if lo == hi:
        diagonal = diagonal[..., None, :]
    elif diagonal.ndim < 2 or diagonal.shape[-2] != hi - lo + 1:
        raise ValueError("The number of diagonals provided in the input does not match the "
                         "lower_diag_index and upper_diag_index range.")
    max_len = diagonal.shape[-1]
    min_rows = max_len - min(hi, 0)
    min_cols = max_len + max(lo, 0)
    if num_rows == -1 and num_cols == -1:
        num_rows = num_cols = max(min_rows, min_cols)
    elif num_rows == -1:
        num_rows = min_rows
    elif num_cols == -1:
        num_cols = min_cols
    if num_rows != min_rows and num_cols != min_cols:
        raise ValueError("The number of rows or columns is not consistent with the specified d_lower, "
                         "d_upper, and diagonal.")
    if num_rows < min_rows or num_cols < min_cols:
        raise ValueError(f"The number of rows or columns is too small: num_rows={num_rows}, num_cols={num_cols}")
    band, row, pos = _diag_layout(num_rows, num_cols, lo, hi, max_len, align)
    if max_len == 0:
        vals = np.zeros(diagonal.shape[:-2] + (num_rows, num_cols), diagonal.dtype)
    else:
        vals = diagonal[..., row, pos]
    return np.where(band, vals, np.asarray(padding_value, diagonal.dtype)).astype(diagonal.dtype)


def matrix_diag_part_v3(input, k, padding_value, align="RIGHT_LEFT"):
    """NumPy kernel of TF op `MatrixDiagPartV3`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixDiagPartV3) gives its signature, shapes, dtypes and errors."""
    if input.ndim < 2:
        raise ValueError(f"input must be at least 2-dim, received shape: {_shape(input)}")
    lo, hi = _diag_range(k)
    m, n = input.shape[-2], input.shape[-1]
    if not (-m < lo <= n or (m == 0 and lo == 0)) or not (-m <= hi < n or (n == 0 and hi == 0)):
        if not (lo == hi == 0):
            raise ValueError(f"Diagonal index out of range: [{lo}, {hi}] for a {m}x{n} matrix")
    max_len = min(m + min(hi, 0), n - max(lo, 0))
    max_len = max(max_len, 0)
    sup_left, sub_left = _left_aligned(align)
    ds = np.arange(hi, lo - 1, -1)[:, None]  # [num_diags, 1]
    p = np.arange(max_len)[None, :]
    length = np.minimum(m + np.minimum(0, ds), n - np.maximum(0, ds))
    left = np.where(ds >= 0, sup_left, sub_left)
    idx = p - np.where(left, 0, max_len - length)
    valid = (idx >= 0) & (idx < length)
    i = idx - np.minimum(0, ds)
    j = idx + np.maximum(0, ds)
    if m == 0 or n == 0:
        vals = np.zeros(input.shape[:-2] + valid.shape, input.dtype)
    else:
        vals = input[..., np.clip(i, 0, m - 1), np.clip(j, 0, n - 1)]
    out = np.where(valid, vals, np.asarray(padding_value, input.dtype)).astype(input.dtype)
    return out[..., 0, :] if lo == hi else out


def matrix_set_diag_v3(input, diagonal, k, align="RIGHT_LEFT"):
    """NumPy kernel of TF op `MatrixSetDiagV3`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixSetDiagV3) gives its signature, shapes, dtypes and errors."""
    lo, hi = _diag_range(k)
    m, n = input.shape[-2], input.shape[-1]
    max_len = min(m + min(hi, 0), n - max(lo, 0))
    if lo == hi:
        diagonal = diagonal[..., None, :]
    want = input.shape[:-2] + (hi - lo + 1, max_len)
    if diagonal.shape != want:
        shown = list(want) if lo != hi else list(input.shape[:-2]) + [max_len]
        got = list(diagonal.shape) if lo != hi else list(diagonal.shape[:-2]) + [diagonal.shape[-1]]
        raise ValueError(f"diagonal must have shape {shown}, got {got}")
    band, row, pos = _diag_layout(m, n, lo, hi, max_len, align)
    if max_len == 0:
        return input.copy()
    return np.where(band, diagonal[..., row, pos], input)


# -- decompositions ------------------------------------------------------------------------------------
def _wide(x):
    return x.astype(np.float32) if _low(x) else x


def _square(x, what="Input"):
    if x.ndim < 2 or x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{what} must be a square matrix (or a batch of square matrices), got shape {_shape(x)}")


def cholesky(input):
    """NumPy kernel of TF op `Cholesky`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Cholesky) gives its signature, shapes, dtypes and errors."""
    _square(input, "Input matrix")
    if input.size == 0:
        return input.copy()
    try:
        out = np.linalg.cholesky(_wide(input))
    except np.linalg.LinAlgError:
        raise ValueError("Cholesky decomposition was not successful. The input might not be valid.") from None
    return out.astype(input.dtype)


def matrix_determinant(input):
    """NumPy kernel of TF op `MatrixDeterminant`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixDeterminant) gives its signature, shapes, dtypes and errors."""
    _square(input)
    return np.asarray(np.linalg.det(_wide(input))).astype(input.dtype)


def log_matrix_determinant(input):
    """NumPy kernel of TF op `LogMatrixDeterminant`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.LogMatrixDeterminant) gives its signature, shapes, dtypes and errors."""
    _square(input)
    sign, logabs = np.linalg.slogdet(_wide(input))
    return np.asarray(sign).astype(input.dtype), np.asarray(logabs).astype(input.dtype)


def matrix_inverse(input, adjoint=False):
    """NumPy kernel of TF op `MatrixInverse`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixInverse) gives its signature, shapes, dtypes and errors."""
    _square(input)
    x = _wide(input)
    if adjoint:
        x = np.conj(np.swapaxes(x, -1, -2))
    if x.size == 0:
        return x.astype(input.dtype)
    try:
        out = np.linalg.inv(x)
    except np.linalg.LinAlgError:
        raise ValueError("Input is not invertible.") from None
    return out.astype(input.dtype)


def matrix_solve(matrix, rhs, adjoint=False):
    """NumPy kernel of TF op `MatrixSolve`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixSolve) gives its signature, shapes, dtypes and errors."""
    _square(matrix, "Input matrix")
    if rhs.ndim != matrix.ndim:
        raise ValueError(f"Input matrix and right-hand side must have the same rank, got {matrix.ndim} != {rhs.ndim}")
    if matrix.shape[:-2] != rhs.shape[:-2]:
        raise ValueError("All input tensors must have the same outer dimensions.")
    if matrix.shape[-1] != rhs.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of rows: "
                         f"{matrix.shape[-1]} vs. {rhs.shape[-2]}")
    a = _wide(matrix)
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    if a.size == 0 or rhs.size == 0:
        return np.zeros(rhs.shape, rhs.dtype)
    try:
        out = np.linalg.solve(a, _wide(rhs))
    except np.linalg.LinAlgError:
        raise ValueError("Input matrix is not invertible.") from None
    return out.astype(rhs.dtype)


def matrix_triangular_solve(matrix, rhs, lower=True, adjoint=False):
    """NumPy kernel of TF op `MatrixTriangularSolve`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixTriangularSolve) gives its signature, shapes, dtypes and errors."""
    _square(matrix, "Input matrix")
    if matrix.shape[-1] != rhs.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of rows: "
                         f"{matrix.shape[-1]} vs. {rhs.shape[-2]}")
    try:
        batch = np.broadcast_shapes(matrix.shape[:-2], rhs.shape[:-2])
    except ValueError:
        raise ValueError(f"Incompatible batch shapes: {_shape(matrix)} vs. {_shape(rhs)}") from None
    a = np.tril(_wide(matrix)) if lower else np.triu(_wide(matrix))
    if adjoint:
        a = np.conj(np.swapaxes(a, -1, -2))
    b = _wide(rhs)
    out_shape = batch + rhs.shape[-2:]
    if a.size == 0 or b.size == 0:
        return np.zeros(out_shape, rhs.dtype)
    a = np.broadcast_to(a, batch + a.shape[-2:])
    b = np.broadcast_to(b, out_shape)
    try:
        out = np.linalg.solve(a, b)
    except np.linalg.LinAlgError:
        # Singular triangular systems give inf/nan as in TF (no error); substitute per column.
        with np.errstate(divide="ignore", invalid="ignore"):
            out = _substitute(a, b, lower != adjoint)
    return out.astype(rhs.dtype)


def _substitute(a, b, lower):
    """Forward (lower) or back substitution, vectorized over batch and rhs columns."""
    n = a.shape[-1]
    x = np.zeros(np.broadcast_shapes(a.shape[:-2], b.shape[:-2]) + b.shape[-2:], np.result_type(a, b))
    order = range(n) if lower else range(n - 1, -1, -1)
    for i in order:
        s = np.einsum("...k,...kc->...c", a[..., i, :], x)
        x[..., i, :] = (b[..., i, :] - s) / a[..., i, i][..., None]
    return x


def qr(input, full_matrices=False):
    """NumPy kernel of TF op `Qr`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Qr) gives its signature, shapes, dtypes and errors."""
    if input.ndim < 2:
        raise ValueError(f"Input must have rank >= 2, got shape {_shape(input)}")
    x = _wide(input)
    m, n = x.shape[-2:]
    if x.size == 0:
        kq = m if full_matrices else min(m, n)
        q = np.broadcast_to(np.eye(m, kq, dtype=x.dtype), x.shape[:-2] + (m, kq)).copy()
        r = np.zeros(x.shape[:-2] + (kq, n), x.dtype)
    else:
        q, r = np.linalg.qr(x, mode="complete" if full_matrices else "reduced")
    return q.astype(input.dtype), r.astype(input.dtype)


def svd(input, compute_uv=True, full_matrices=False):
    """NumPy kernel of TF op `Svd`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Svd) gives its signature, shapes, dtypes and errors."""
    if input.ndim < 2:
        raise ValueError(f"Input must have rank >= 2, got shape {_shape(input)}")
    x = _wide(input)
    m, n = x.shape[-2:]
    real = np.zeros((), input.dtype).real.dtype
    if x.size == 0:
        p = min(m, n)
        s = np.zeros(x.shape[:-2] + (p,), real)
        ku, kv = (m, n) if full_matrices else (p, p)
        u = np.broadcast_to(np.eye(m, ku, dtype=x.dtype), x.shape[:-2] + (m, ku)).copy()
        v = np.broadcast_to(np.eye(n, kv, dtype=x.dtype), x.shape[:-2] + (n, kv)).copy()
    elif compute_uv:
        u, s, vh = np.linalg.svd(x, full_matrices=full_matrices)
        v = np.conj(np.swapaxes(vh, -1, -2))
    else:
        s = np.linalg.svd(x, compute_uv=False)
        u = np.zeros((0,), x.dtype)
        v = np.zeros((0,), x.dtype)
    return s.astype(input.dtype), u.astype(input.dtype), v.astype(input.dtype)


def self_adjoint_eig_v2(input, compute_v=True):
    """NumPy kernel of TF op `SelfAdjointEigV2`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.SelfAdjointEigV2) gives its signature, shapes, dtypes and errors."""
    _square(input)
    x = _wide(input)
    if x.size == 0:
        e = np.zeros(x.shape[:-1], x.dtype)
        v = np.zeros(x.shape if compute_v else (0,), x.dtype)
    elif compute_v:
        e, v = np.linalg.eigh(x, UPLO="L")
    else:
        e = np.linalg.eigvalsh(x, UPLO="L")
        v = np.zeros((0,), x.dtype)
    return e.astype(input.dtype), v.astype(input.dtype)


def lu(input, output_idx_type):
    """Partial-pivoting LU: P @ input = L @ U, packed as L (unit diagonal, strictly lower) + U,
    and p with input[..., p, :] = L @ U. Loops over columns, vectorized over the batch."""
    _square(input)
    a = _wide(input).copy()
    n = a.shape[-1]
    batch = a.shape[:-2]
    a = a.reshape((-1, n, n))
    nb = a.shape[0]
    perm = np.broadcast_to(np.arange(n), (nb, n)).copy()
    ar = np.arange(nb)
    for k in range(n):
        piv = k + np.argmax(np.abs(a[:, k:, k]), axis=1)
        rows_k = a[ar, k].copy()
        a[ar, k] = a[ar, piv]
        a[ar, piv] = rows_k
        pk = perm[ar, k].copy()
        perm[ar, k] = perm[ar, piv]
        perm[ar, piv] = pk
        d = a[:, k, k]
        with np.errstate(divide="ignore", invalid="ignore"):
            a[:, k + 1:, k] /= d[:, None]
        a[:, k + 1:, k + 1:] -= a[:, k + 1:, k, None] * a[:, None, k, k + 1:]
    return (a.reshape(batch + (n, n)).astype(input.dtype),
            perm.reshape(batch + (n,)).astype(output_idx_type.as_numpy_dtype))


def matrix_solve_ls(matrix, rhs, l2_regularizer, fast=True):
    """NumPy kernel of TF op `MatrixSolveLs`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.MatrixSolveLs) gives its signature, shapes, dtypes and errors."""
    if matrix.ndim < 2 or rhs.ndim != matrix.ndim:
        raise ValueError(f"matrix and rhs must have equal rank >= 2: {_shape(matrix)} vs. {_shape(rhs)}")
    if matrix.shape[-2] != rhs.shape[-2]:
        raise ValueError(f"Input matrix and right-hand side must have the same number of rows: "
                         f"{matrix.shape[-2]} vs. {rhs.shape[-2]}")
    a, b = _wide(matrix), _wide(rhs)
    m, n = a.shape[-2:]
    lam = float(l2_regularizer)
    out_shape = a.shape[:-2] + (n, b.shape[-1])
    if a.size == 0 or b.size == 0:
        return np.zeros(out_shape, rhs.dtype)
    ah = np.conj(np.swapaxes(a, -1, -2))
    if fast or lam != 0:
        if m >= n:
            out = np.linalg.solve(ah @ a + lam * np.eye(n, dtype=a.dtype), ah @ b)
        else:
            out = ah @ np.linalg.solve(a @ ah + lam * np.eye(m, dtype=a.dtype), b)
    else:
        out = np.linalg.pinv(a) @ b
    return out.astype(rhs.dtype)


def cross(a, b):
    """NumPy kernel of TF op `Cross`: called by execute() with ndarrays and the op's attrs; the op's registry entry (tf.raw_ops.Cross) gives its signature, shapes, dtypes and errors."""
    if a.shape != b.shape:
        raise ValueError(f"Both inputs must be of same shape: {_shape(a)} vs. {_shape(b)}")
    if a.ndim < 1 or a.shape[-1] != 3:
        raise ValueError(f"Last dimension must be of size 3, got {a.shape[-1] if a.ndim else 'a scalar'}")
    return np.cross(a, b).astype(a.dtype)


def matrix_exponential(input):
    """exp(A) by scaling and squaring with a [13/13] Pade approximant (Higham 2005)."""
    _square(input)
    a = _wide(input)
    if a.size == 0:
        return a.astype(input.dtype)
    n = a.shape[-1]
    eye = np.eye(n, dtype=a.dtype)
    norm = np.max(np.sum(np.abs(a), axis=-2), axis=-1)  # l1 norm per matrix
    theta13 = 5.371920351148152
    with np.errstate(divide="ignore"):
        s = np.maximum(0, np.ceil(np.log2(np.where(norm > 0, norm, 1.0) / theta13))).astype(np.int64)
    s = np.where(np.isfinite(norm), s, 0)
    a = a / (2.0 ** s)[..., None, None]
    b = (64764752532480000., 32382376266240000., 7771770303897600., 1187353796428800.,
         129060195264000., 10559470521600., 670442572800., 33522128640., 1323241920.,
         40840800., 960960., 16380., 182., 1.)
    a2 = a @ a
    a4 = a2 @ a2
    a6 = a4 @ a2
    u = a @ (a6 @ (b[13] * a6 + b[11] * a4 + b[9] * a2) + b[7] * a6 + b[5] * a4 + b[3] * a2 + b[1] * eye)
    v = a6 @ (b[12] * a6 + b[10] * a4 + b[8] * a2) + b[6] * a6 + b[4] * a4 + b[2] * a2 + b[0] * eye
    r = np.linalg.solve(v - u, v + u)
    smax = int(np.max(s)) if s.size else 0
    for i in range(smax):
        sq = r @ r
        r = np.where((s > i)[..., None, None], sq, r)
    return r.astype(input.dtype)
