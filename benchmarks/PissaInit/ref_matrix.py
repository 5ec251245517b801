#!/usr/bin/python3
"""Reference for one large matrix: torch.svd_lowrank (q = rank, as peft's pissa_niter_K) on a float32 row-major matrix
read from a raw file, plus the PiSSA split and residual; prints JSON (best of REPS timings, relative error)."""
import json, sys, time
import numpy as np, torch

path, rows, cols, rank, niter = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5])
threads = int(sys.argv[6]) if len(sys.argv) > 6 else 2
reps = int(sys.argv[7]) if len(sys.argv) > 7 else 2
torch.set_num_threads(threads)
W = torch.from_numpy(np.fromfile(path, dtype=np.float32).reshape(rows, cols).copy())
torch.manual_seed(0)
times = []
for _ in range(reps):
    t0 = time.perf_counter()
    U, S, V = torch.svd_lowrank(W, q=rank, niter=niter)
    A = V.T * S.sqrt()[:, None]
    B = U * S.sqrt()[None, :]
    Wres = W - B @ A
    times.append(time.perf_counter() - t0)
err = float(torch.linalg.norm(Wres) / torch.linalg.norm(W))
print(json.dumps({"rows": rows, "cols": cols, "rank": rank, "niter": niter, "threads": threads, "seconds": min(times), "rel_err": err}))
