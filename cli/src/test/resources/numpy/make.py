"""Writes the .npy fixtures of NpyFilesTest with numpy itself (python3 make.py, numpy 2.4.6).

The test hard-codes the values below, so the fixtures pin down what numpy really writes."""
import numpy as np
from numpy.lib import format as npformat


def save(name, array, version=None):
    with open(name, "wb") as f:
        npformat.write_array(f, array, version=version)


save("f4_2x3_v1.npy", np.array([[-1.5, 0.0, 2.25], [3.0, -4.0, 100.0]], dtype="<f4"))
save("f8_5_v2.npy", np.array([0.1, -2.5, 1e300, -1e-300, 7.0], dtype="<f8"), (2, 0))
save("f4_2x2x2_v3.npy", (np.arange(8, dtype="<f4") - 3.5).reshape(2, 2, 2), (3, 0))
save("f8_scalar_v1.npy", np.array(0.75, dtype="<f8"))
save("f4_2x0_v1.npy", np.zeros((2, 0), dtype="<f4"))

x = np.random.default_rng(7).normal(scale=3.0, size=(3, 4))
save("f8_3x4.npy", x)
e = np.exp(x - x.max(axis=0, keepdims=True))
save("f8_3x4_softmax_axis0.npy", e / e.sum(axis=0, keepdims=True))

save("f4_bigendian.npy", np.arange(6, dtype=">f4").reshape(2, 3))
save("f4_fortran.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
save("i4.npy", np.arange(6, dtype="<i4"))
save("f2.npy", np.arange(6, dtype="<f2"))
