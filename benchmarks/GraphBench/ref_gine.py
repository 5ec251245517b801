"""PyTorch reference for GraphBench's epoch-time comparison (run by `GraphBench epoch`, not by hand).

The same sparse GINE as Pipelines' GraphMessagePassing.Sparse: h0 = onehot(x) W_in + b; per layer
m_e = ReLU(h[src_e] + onehot(e_e) W_edge), agg = scatter_add(m, dst) (as PyG's scatter(reduce="sum")),
h <- h + ReLU(MLP((1 + eps) h + agg)); mean pooling by scatter_add over the graph index; a 3-layer head;
cross-entropy; AdamW (lr 1e-3, wd 3e-6). One intra-op thread. Reads the JSON written by EpochBench.cs: the graphs and,
per epoch, the trainer's batches; trains those epochs and prints `epoch_seconds=<median>`. Collation (stacking nodes,
offsetting edge lists) is timed, as the C# side times its batch building.
"""
import json
import statistics
import sys
import time

import torch

torch.set_num_threads(1)
torch.manual_seed(1)


def prepare(g, node_types, edge_types):
    """One graph: one-hot nodes, directed edges both ways without self-loops, parallel edges merged (multi-hot)."""
    n = g["n"]
    x = torch.zeros(n, node_types)
    x[torch.arange(n), torch.tensor(g["x"] or [0] * n, dtype=torch.long)] = 1
    slot = {}
    rows = []
    types = g["e"] or [0] * len(g["src"])
    for u, v, t in zip(g["src"], g["dst"], types):
        if u == v:
            continue
        for a, b in ((u, v), (v, u)):
            if (a, b) not in slot:
                slot[(a, b)] = len(rows)
                rows.append([a, b, set()])
            rows[slot[(a, b)]][2].add(t)
    ea = torch.zeros(len(rows), edge_types)
    for i, (_, _, ts) in enumerate(rows):
        for t in ts:
            ea[i, t] = 1
    ei = torch.tensor([[r[0] for r in rows], [r[1] for r in rows]], dtype=torch.long).reshape(2, len(rows))
    return x, ei, ea, g["y"]


class Gine(torch.nn.Module):
    def __init__(self, f, te, h, layers, classes):
        super().__init__()
        self.inp = torch.nn.Linear(f, h)
        self.edge = torch.nn.ModuleList(torch.nn.Linear(te, h, bias=False) for _ in range(layers))
        self.eps = torch.nn.Parameter(torch.zeros(layers))
        self.mlp = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.Linear(h, h), torch.nn.ReLU(), torch.nn.Linear(h, h)) for _ in range(layers))
        self.head = torch.nn.Sequential(torch.nn.Linear(h, h), torch.nn.ReLU(), torch.nn.Linear(h, h), torch.nn.ReLU(),
                                        torch.nn.Linear(h, classes))

    def forward(self, x, ei, ea, batch, sizes):
        h = self.inp(x)
        src, dst = ei[0], ei[1]
        for l, (edge, mlp) in enumerate(zip(self.edge, self.mlp)):
            m = torch.relu(h[src] + edge(ea))
            agg = torch.zeros_like(h).scatter_add_(0, dst.unsqueeze(1).expand_as(m), m)
            h = h + torch.relu(mlp((1 + self.eps[l]) * h + agg))
        pooled = torch.zeros(sizes.shape[0], h.shape[1]).scatter_add_(0, batch.unsqueeze(1).expand_as(h), h)
        return self.head(pooled / sizes.clamp(min=1).unsqueeze(1))


def collate(items):
    xs, eis, eas, ys, batch, sizes = [], [], [], [], [], []
    offset = 0
    for gi, (x, ei, ea, y) in enumerate(items):
        xs.append(x)
        eis.append(ei + offset)
        eas.append(ea)
        ys.append(y)
        batch.append(torch.full((x.shape[0],), gi, dtype=torch.long))
        sizes.append(x.shape[0])
        offset += x.shape[0]
    return (torch.cat(xs), torch.cat(eis, 1), torch.cat(eas), torch.cat(batch),
            torch.tensor(sizes, dtype=torch.float32), torch.tensor(ys, dtype=torch.long))


def main(path):
    spec = json.load(open(path))
    graphs = [prepare(g, spec["node_types"], spec["edge_types"]) for g in spec["graphs"]]
    model = Gine(spec["node_types"], spec["edge_types"], spec["hidden"], spec["layers"], spec["classes"])
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=3e-6)
    times = []
    for e, batches in enumerate(spec["epochs"]):
        start = time.perf_counter()
        total, rows = 0.0, 0
        for idx in batches:
            x, ei, ea, batch, sizes, y = collate([graphs[i] for i in idx])
            loss = torch.nn.functional.cross_entropy(model(x, ei, ea, batch, sizes), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            total += loss.item() * len(idx)
            rows += len(idx)
        times.append(time.perf_counter() - start)
        print(f"  torch epoch {e + 1}: {times[-1]:.2f} s, train loss {total / rows:.4f}")
    print(f"epoch_seconds={statistics.median(times)}")


if __name__ == "__main__":
    main(sys.argv[1])
