#!/usr/bin/python3
"""GUDHI side of the TopologyBench run: Rips persistence of one input, prints 'seconds pairs simplices'.

usage: gudhi_rips.py <points.txt | lower_distance_matrix> <maxdim> <threshold|none> [sparse epsilon]
"""
import sys
import time
import numpy as np
import gudhi

path, maxdim, thr = sys.argv[1], int(sys.argv[2]), sys.argv[3]
sparse = float(sys.argv[4]) if len(sys.argv) > 4 else None
if path.endswith("lower_distance_matrix"):
    rows = [[float(x) for x in line.strip().rstrip(",").split(",") if x] for line in open(path) if line.strip()]
    n = len(rows) + 1
    dm = [[]] + rows
    dm = dm[:n]
    kwargs = {"distance_matrix": dm}
else:
    kwargs = {"points": np.loadtxt(path)}
t0 = time.perf_counter()
rc = gudhi.RipsComplex(max_edge_length=float("inf") if thr == "none" else float(thr), sparse=sparse, **kwargs)
st = rc.create_simplex_tree(max_dimension=maxdim + 1)
st.persistence(homology_coeff_field=2, min_persistence=0)
pairs = sum(len(st.persistence_intervals_in_dimension(d)) for d in range(maxdim + 1))
print(f"{time.perf_counter() - t0:.4f} {pairs} {st.num_simplices()}")
