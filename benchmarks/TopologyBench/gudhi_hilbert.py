#!/usr/bin/python3
"""GUDHI side of the Hilbert benchmark: naive line loop (one GUDHI persistence per grid row).

usage: gudhi_hilbert.py <input.txt> <maxdim>
input: line 1 "n threshold", line 2 rips grid, line 3 function grid, then n lines "x y c".
Prints "seconds" on the first line, then the dense measures (one line per degree, row-major ints).
"""
import sys
import time
import numpy as np
import gudhi

path, maxdim = sys.argv[1], int(sys.argv[2])
lines = open(path).read().split("\n")
n, thr = int(lines[0].split()[0]), float(np.float32(lines[0].split()[1]))
g1 = np.array([float(x) for x in lines[1].split()], dtype=np.float32)
g2 = np.array([float(x) for x in lines[2].split()], dtype=np.float32)
rows = np.array([[float(x) for x in l.split()] for l in lines[3:3 + n]])
pts, c = rows[:, :-1], rows[:, -1]
n1, n2 = len(g1), len(g2)
lvl = np.searchsorted(g2, c.astype(np.float32), side="left")
t0 = time.perf_counter()
mu = np.zeros((maxdim + 1, n1, n2), dtype=np.int64)
for j in range(n2):
    idx = np.nonzero(lvl <= j)[0]
    if len(idx) == 0:
        continue
    # float32 distances, computed as the C# side does, so grid snapping sees identical values
    p = pts[idx].astype(np.float32)
    dm = np.sqrt(((p[:, None, :] - p[None, :, :]) ** 2).sum(-1, dtype=np.float32)).astype(np.float64)
    st = gudhi.RipsComplex(distance_matrix=dm, max_edge_length=np.float32(thr)).create_simplex_tree(max_dimension=maxdim + 1)
    for s, f in st.get_simplices():
        st.assign_filtration(s, float(np.searchsorted(g1, np.float32(f), side="left")))
    st.make_filtration_non_decreasing()
    st.prune_above_filtration(n1 - 1)
    st.persistence(homology_coeff_field=2, min_persistence=0)
    for d in range(maxdim + 1):
        for b, e in st.persistence_intervals_in_dimension(d):
            b = int(b)
            e = n1 if np.isinf(e) else int(e)
            if e <= b:
                continue
            mu[d, b, j] += 1
            if j + 1 < n2:
                mu[d, b, j + 1] -= 1
            if e < n1:
                mu[d, e, j] -= 1
                if j + 1 < n2:
                    mu[d, e, j + 1] += 1
print(f"{time.perf_counter() - t0:.3f}")
for d in range(maxdim + 1):
    print(" ".join(str(int(x)) for x in mu[d].ravel()))
