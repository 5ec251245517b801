namespace Pipelines.Export.Merge;

/// <summary>One folded adapter.</summary>
/// <param name="BaseNode">The base MatMul that now carries the merged weight.</param>
/// <param name="Weight">The merged weight initializer.</param>
/// <param name="Rank">The adapter rank (twice the rank when a frozen copy was subtracted).</param>
/// <param name="Scale">The scale s folded in.</param>
/// <param name="RemovedNodes">Adapter nodes removed.</param>
public sealed record MergedAdapter(string BaseNode, string Weight, int Rank, float Scale, int RemovedNodes);

/// <summary>
/// Folds LoRA-style adapters found in the graph into their base weights, giving a plain model:
/// <c>y = x·W + s·(x·A)·B</c> → <c>y = x·(W + s·A·B)</c>, and the base-untouched form
/// <c>y = x·W + s·((x·A)·B − (x·A₀)·B₀)</c> → <c>y = x·(W + s·(A·B − A₀·B₀))</c>. PiSSA-style residual bases
/// (<c>W_res</c>) merge the same way. The pattern is read from the graph, so it does not depend on how the adapter was stored:
/// an <c>Add</c> of a base <c>MatMul(x, W)</c> and an adapter path of <c>MatMul(MatMul(x, A), B)</c> (optionally through a
/// <c>Sub</c> of a frozen copy) scaled by an optional scalar <c>Mul</c>, before or between the two MatMuls.
/// </summary>
public static class AdapterMerger
{
    /// <summary>Merges every adapter found in a copy of <paramref name="model"/>.</summary>
    public static (OnnxModel Model, IReadOnlyList<MergedAdapter> Merged) Merge(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxModel copy = model.Clone();
        OnnxGraph g = copy.Graph;
        var merged = new List<MergedAdapter>();
        bool changed = true;
        while (changed)
        {
            changed = false;
            Dictionary<string, OnnxNode> producers = g.ProducerMap();
            Dictionary<string, List<OnnxNode>> consumers = g.ConsumerMap();
            Dictionary<string, OnnxTensor> inits = g.InitializerMap();
            var outputs = new HashSet<string>(g.Outputs.Select(o => o.Name), StringComparer.Ordinal);
            foreach (OnnxNode add in g.Nodes.Where(n => n.OpType == "Add" && n.Domain.Length == 0 && n.Inputs.Count == 2).ToList())
            {
                var matcher = new PatternMatcher(producers, consumers, inits, outputs);
                for (int side = 0; side < 2 && !changed; side++)
                {
                    if (matcher.TryMatch(add, side, out PatternMatcher.Match? m))
                    {
                        merged.Add(Fold(g, add, m!));
                        changed = true;
                    }
                }

                if (changed)
                {
                    break;
                }
            }
        }

        Quantization.ModelQuantizer.RemoveUnusedInitializers(g);
        return (copy, merged);
    }

    private static MergedAdapter Fold(OnnxGraph g, OnnxNode add, PatternMatcher.Match m)
    {
        int k = (int)m.Weight.Dims[0], n = (int)m.Weight.Dims[1];
        float[] w = m.Weight.ToArray<float>();
        foreach ((OnnxTensor a, OnnxTensor b, float sign) in m.Terms)
        {
            int r = (int)a.Dims[1];
            ReadOnlySpan<float> av = a.AsSpan<float>(), bv = b.AsSpan<float>();
            for (int i = 0; i < k; i++)
            {
                for (int t = 0; t < r; t++)
                {
                    float f = sign * m.Scale * av[(i * r) + t];
                    if (f == 0)
                    {
                        continue;
                    }

                    ReadOnlySpan<float> brow = bv.Slice(t * n, n);
                    Span<float> wrow = w.AsSpan(i * n, n);
                    for (int j = 0; j < n; j++)
                    {
                        wrow[j] += f * brow[j];
                    }
                }
            }
        }

        var builder = new GraphBuilder(g);
        string merged = builder.Initializer(OnnxTensor.FromFloats(m.Weight.Name + "_merged", w, k, n));
        m.Base.Inputs[1] = merged;
        m.Base.Outputs[0] = add.Outputs[0];
        var remove = new HashSet<OnnxNode>(m.AdapterNodes) { add };
        g.Nodes.RemoveAll(remove.Contains);
        return new MergedAdapter(m.Base.Name, merged, m.Terms.Sum(t => (int)t.A.Dims[1]), m.Scale, remove.Count);
    }
}
