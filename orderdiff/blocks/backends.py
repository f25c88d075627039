"""The array libraries a block derivation's gradient program runs on: NumPy, PyTorch, JAX.

The program is written once, against NumPy's names (``numpy.tanh``, ``numpy.sum(x,
axis=-1, keepdims=True)``). For PyTorch and JAX it runs with a stand-in for ``numpy``:
the library itself, with the names it spells differently taken from a table below.
JAX arrays cannot be assigned in place, so :mod:`.program` writes the JAX program's
assignments as ``h = h.at[i].set(...)`` and its loops as ``lax.scan`` (``functional``);
the function is compiled with ``jax.jit``.
"""

from __future__ import annotations

import types
from dataclasses import dataclass

import numpy


def _torch_table(torch, dtype, device):
    def tensor(x):
        return x if torch.is_tensor(x) else torch.as_tensor(x, dtype=dtype, device=device)

    def creation(make):
        return lambda shape: make(tuple(int(n) for n in shape), dtype=dtype, device=device)

    def total(x, axis=None, keepdims=False):
        x = tensor(x)
        return x.sum() if axis is None else x.sum(dim=axis, keepdim=keepdims)

    def largest(x, axis=None, keepdims=False):
        return x.max() if axis is None else torch.amax(x, dim=axis, keepdim=keepdims)

    return {
        "empty": creation(torch.empty), "zeros": creation(torch.zeros), "ones": creation(torch.ones),
        "asarray": tensor,
        "concatenate": lambda parts, axis=0: torch.cat(list(parts), dim=axis),
        "sum": total, "max": largest,
        "swapaxes": lambda x, a, b: torch.transpose(x, a, b),
        "tensordot": lambda a, b, axes: torch.tensordot(a, b, dims=axes),
        "ascontiguousarray": lambda x: x.contiguous(),
        "shape": lambda x: tuple(tensor(x).shape), "ndim": lambda x: tensor(x).dim(),
        "broadcast_to": lambda x, shape: torch.broadcast_to(tensor(x), tuple(shape)),
        "maximum": lambda a, b: torch.maximum(tensor(a), tensor(b)),
        "logaddexp": lambda a, b: torch.logaddexp(tensor(a), tensor(b)),
        "heaviside": lambda a, b: torch.heaviside(tensor(a), tensor(b)),
    }


def _jax_table(jnp):
    return {"ascontiguousarray": jnp.asarray}


class Standin(types.SimpleNamespace):
    """``numpy`` for the generated program: ``module``'s names, with ``table`` over them."""

    def __init__(self, module, table):
        super().__init__(**table)
        self._module = module

    def __getattr__(self, name):
        return getattr(self._module, name)


@dataclass(frozen=True)
class Backend:
    name: str
    functional: bool  # arrays are immutable: assignments by .at[].set, loops by lax.scan

    def namespace(self, dtype):
        """``(globals of the generated program, a function making arrays)`` for ``dtype``."""
        if self.name == "numpy":
            return {"numpy": numpy}, lambda x: numpy.asarray(x, dtype=dtype)
        if self.name == "torch":
            import torch

            tdtype = getattr(torch, dtype)
            table = _torch_table(torch, tdtype, "cpu")
            # a tensor passes through the program's asarray as it is; the arguments take the dtype
            return {"numpy": Standin(torch, table)}, lambda x: table["asarray"](x).to(dtype=tdtype)
        import jax
        import jax.numpy as jnp

        return ({"numpy": Standin(jnp, _jax_table(jnp)), "lax": jax.lax},
                lambda x: jnp.asarray(x, dtype=dtype))


BACKENDS = {b.name: b for b in (Backend("numpy", False), Backend("torch", False), Backend("jax", True))}
