"""A recommendation job builds a sparse user-item matrix for each batch of interactions
with scipy.sparse (COO to CSR), computes item co-occurrence, solves a small regularized
sparse system by conjugate gradients and groups co-bought items with
``scipy.sparse.csgraph.connected_components``. The sparse buffers (tens to hundreds of KB
in C) are freed after each batch: correct code."""

import numpy as np
from scipy import sparse
from scipy.sparse import csgraph
from scipy.sparse.linalg import cg

LIBRARIES = ("scipy", "numpy")
EXPECT = "flat|plateau"
GROUND_TRUTH = (
    "settled over 20000 iterations (gc every 200); per-window growth per iteration: "
    "blocks +0.08/+0.00/+0.00/+0.00, C heap -0.0/+0.0/+0.0/+0.0 B, RSS +7/+0/+1/+0 B"
)


def setup():
    return {"rng": np.random.default_rng(83)}


def step(state):
    rng = state["rng"]
    users, items = 1000, 200
    nnz = int(rng.integers(2000, 4000))
    rows = rng.integers(0, users, size=nnz)
    cols = rng.integers(0, items, size=nnz)
    ratings = sparse.coo_matrix((np.ones(nnz), (rows, cols)), shape=(users, items)).tocsr()
    cooc = (ratings.T @ ratings).tocsr()
    system = cooc + sparse.identity(items, format="csr") * 10.0
    scores, _info = cg(system, np.asarray(ratings.sum(axis=0)).ravel(), rtol=1e-8, maxiter=200)
    n_groups, labels = csgraph.connected_components(cooc, directed=False)
    return n_groups, int(np.argmax(scores)), int(np.bincount(labels, minlength=items).max())
