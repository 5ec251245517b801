"""Reference spectra/RWSE cost as SPE's and PyG's pre-transforms compute them (torch, CPU).

Usage: ref_spectra.py GRAPHS.txt K THREADS
GRAPHS.txt: one graph per line, "n u0 v0 u1 v1 ..." (undirected edges once).
Per graph: dense sym-normalised Laplacian (PyG get_laplacian(normalization="sym") semantics: isolated nodes get
deg^-1/2 = 0, so L_ii = 1), torch.linalg.eigh in float32 (SPE pre_transform), keep min(n, K) pairs zero-padded to K;
RWSE: dense P = D^-1 A, diag(P^t) for t = 1..K (PyG AddRandomWalkPE dense path).
Prints one JSON line: times (s) and the eigenvalues' checksum for cross-checking.
"""
import json, sys, time
import torch

path, k, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
graphs = []
with open(path) as f:
    for line in f:
        t = [int(x) for x in line.split()]
        n, e = t[0], t[1:]
        graphs.append((n, torch.tensor(e, dtype=torch.long).view(-1, 2)))

def laplacian(n, e):
    a = torch.zeros(n, n)
    if len(e):
        a[e[:, 0], e[:, 1]] = 1.0
        a[e[:, 1], e[:, 0]] = 1.0
    deg = a.sum(1)
    dis = torch.where(deg > 0, deg.pow(-0.5), torch.zeros_like(deg))
    return torch.eye(n) - dis[:, None] * a * dis[None, :], a, deg

t0 = time.perf_counter()
sums = 0.0
for n, e in graphs:
    l, _, _ = laplacian(n, e)
    lam, v = torch.linalg.eigh(l)
    d = min(n, k)
    lam_p = torch.zeros(k); lam_p[:d] = lam[:d]
    v_p = torch.zeros(n, k); v_p[:, :d] = v[:, :d]
    sums += float(lam[:d].sum())
t_eigh = time.perf_counter() - t0

t0 = time.perf_counter()
rw_sum = 0.0
for n, e in graphs:
    _, a, deg = laplacian(n, e)
    inv = torch.where(deg > 0, 1.0 / deg, torch.zeros_like(deg))
    p = inv[:, None] * a
    out = torch.empty(n, k)
    m = p.clone()
    for s in range(k):
        out[:, s] = torch.diagonal(m)
        m = m @ p
    rw_sum += float(out.sum())
t_rwse = time.perf_counter() - t0
print(json.dumps({"graphs": len(graphs), "eigh_s": t_eigh, "rwse_s": t_rwse, "eig_sum": sums, "rwse_sum": rw_sum, "torch": torch.__version__, "threads": threads}))
