using System.Runtime.InteropServices;
using Pipelines.Numerics.LinearAlgebra;

namespace Pipelines.Onnx.Adapters;

/// <summary>One folded adapter.</summary>
/// <param name="BaseNode">The base MatMul (or Gemm) that now carries the merged weight.</param>
/// <param name="Weight">The merged weight initializer.</param>
/// <param name="Rank">The adapter rank (twice the rank when a frozen copy was subtracted).</param>
/// <param name="Scale">The scale s folded in.</param>
/// <param name="RemovedNodes">Adapter nodes removed.</param>
public sealed record MergedAdapter(string BaseNode, string Weight, int Rank, float Scale, int RemovedNodes);

/// <summary>
/// The one adapter merger: folds LoRA-style adapters into their base weights, giving a plain model,
/// <c>y = x·W + s·(x·A)·B</c> → <c>y = x·(W + s·A·B)</c>, and the base-untouched form
/// <c>y = x·W + s·((x·A)·B − (x·A₀)·B₀)</c> → <c>y = x·(W + s·(A·B − A₀·B₀))</c>; PiSSA-style residual bases
/// (<c>W_res</c>) merge the same way, and DoRA adapters fold their magnitude too: <c>W' = V·diag(m / ‖V‖_c)</c> with V
/// the merged LoRA weight and ‖V‖_c its column norms (recorded adapters only). The adapter metadata written at initialisation (<see cref="AdapterGraphEntry"/>,
/// model metadata <c>pipelines.lora.adapters</c>) is the source of truth: when present, exactly the recorded adapters
/// are merged and any recorded name that is missing is an error. Only a model made elsewhere (no metadata) is searched
/// by graph pattern: an <c>Add</c> of a base <c>MatMul(x, W)</c> and an adapter path of <c>MatMul(MatMul(x, A), B)</c>
/// (optionally through a <c>Sub</c> of a frozen copy) scaled by an optional scalar <c>Mul</c>.
/// </summary>
public static class AdapterMerger
{
    /// <summary>Merges every adapter of a copy of <paramref name="model"/>.</summary>
    /// <param name="model">The adapted model (not modified).</param>
    /// <returns>The plain model and the adapters folded into it (empty when there were none).</returns>
    /// <exception cref="OnnxGraphException">The metadata names a node or initializer the graph lacks.</exception>
    public static (OnnxModel Model, IReadOnlyList<MergedAdapter> Merged) Merge(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(model);
        return entries.Count > 0 ? MergeRecorded(model, entries) : MergeByPattern(model);
    }

    private static (OnnxModel, IReadOnlyList<MergedAdapter>) MergeRecorded(OnnxModel adapted, IReadOnlyList<AdapterGraphEntry> entries)
    {
        OnnxModel merged = adapted.Clone();
        OnnxGraph g = merged.Graph;
        Dictionary<string, OnnxTensor> inits = g.InitializerMap();
        var folded = new List<MergedAdapter>(entries.Count);
        foreach (AdapterGraphEntry e in entries)
        {
            OnnxNode node = g.Nodes.FirstOrDefault(n => n.Name == e.Node)
                ?? throw new OnnxGraphException($"Adapter {e.Module}: node '{e.Node}' recorded in '{AdapterGraphEntry.MetadataKey}' is missing from the graph.");
            OnnxTensor w = Get(inits, e.BaseInitializer, e.Module);
            bool transposed = node.OpType == "Gemm" && node.IntAttribute("transB", 0) == 1;
            Matrix m = ToInOut(w, transposed);
            float s = Get(inits, e.ScaleInitializer, e.Module).AsSpan<float>()[0];
            AddProduct(m, Get(inits, e.LoraA, e.Module), Get(inits, e.LoraB, e.Module), s);
            int rank = e.Rank;
            if (e.LoraA0 is not null && e.LoraB0 is not null)
            {
                AddProduct(m, Get(inits, e.LoraA0, e.Module), Get(inits, e.LoraB0, e.Module), -s);
                rank *= 2;
            }

            if (e.Magnitude is not null)
            {
                DoraColumns.Rescale(m, Get(inits, e.Magnitude, e.Module).AsSpan<float>());
            }

            w.ReplaceData(ToRaw(m, transposed));
            var remove = new HashSet<string>(e.AddedNodes, StringComparer.Ordinal);
            int removed = g.Nodes.RemoveAll(n => remove.Contains(n.Name));
            node.Outputs[0] = e.Output;
            var drop = new HashSet<string>([e.LoraA, e.LoraB, e.ScaleInitializer, e.LoraA0 ?? "", e.LoraB0 ?? "", e.Magnitude ?? "", .. e.AddedInitializers ?? []], StringComparer.Ordinal);
            g.Initializers.RemoveAll(t => drop.Contains(t.Name));
            folded.Add(new MergedAdapter(node.Name, w.Name, rank, s, removed));
        }

        merged.Metadata.RemoveAll(kv => kv.Key is AdapterGraphEntry.MetadataKey or AdapterGraphEntry.TrainableKey or Autodiff.GradientBuilder.StopGradientKey);
        return (merged, folded);
    }

    private static (OnnxModel, IReadOnlyList<MergedAdapter>) MergeByPattern(OnnxModel model)
    {
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
                var matcher = new AdapterPatternMatcher(producers, consumers, inits, outputs);
                for (int side = 0; side < 2 && !changed; side++)
                {
                    if (matcher.TryMatch(add, side, out AdapterPatternMatcher.Match? m))
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

        g.RemoveUnusedInitializers();
        return (copy, merged);
    }

    private static MergedAdapter Fold(OnnxGraph g, OnnxNode add, AdapterPatternMatcher.Match m)
    {
        var w = Matrix.FromSpan((int)m.Weight.Dims[0], (int)m.Weight.Dims[1], m.Weight.AsSpan<float>());
        foreach ((OnnxTensor a, OnnxTensor b, float sign) in m.Terms)
        {
            AddProduct(w, a, b, sign * m.Scale);
        }

        var builder = new GraphBuilder(g);
        string merged = builder.Initializer(OnnxTensor.FromFloats(m.Weight.Name + "_merged", w.Data, w.Rows, w.Cols));
        m.Base.Inputs[1] = merged;
        m.Base.Outputs[0] = add.Outputs[0];
        var remove = new HashSet<OnnxNode>(m.AdapterNodes) { add };
        g.Nodes.RemoveAll(remove.Contains);
        return new MergedAdapter(m.Base.Name, merged, m.Terms.Sum(t => (int)t.A.Dims[1]), m.Scale, remove.Count);
    }

    private static OnnxTensor Get(Dictionary<string, OnnxTensor> inits, string name, string module) =>
        inits.TryGetValue(name, out OnnxTensor? t) ? t
            : throw new OnnxGraphException($"Adapter {module}: initializer '{name}' recorded in '{AdapterGraphEntry.MetadataKey}' is missing from the graph.");

    private static Matrix ToInOut(OnnxTensor w, bool transposed)
    {
        var m = Matrix.FromSpan((int)w.Dims[0], (int)w.Dims[1], w.AsSpan<float>());
        return transposed ? m.Transpose() : m;
    }

    private static byte[] ToRaw(Matrix m, bool transposed)
    {
        float[] data = transposed ? m.Transpose().Data : m.Data;
        return MemoryMarshal.AsBytes(data.AsSpan()).ToArray();
    }

    /// <summary>m ← m + scale·A·B with A [in, r] and B [r, out].</summary>
    private static void AddProduct(Matrix m, OnnxTensor a, OnnxTensor b, float scale)
    {
        int r = (int)a.Dims[1];
        Gemm.Multiply(a.AsSpan<float>(), false, b.AsSpan<float>(), false, m.Data, m.Rows, m.Cols, r, alpha: scale, beta: 1f);
    }
}
