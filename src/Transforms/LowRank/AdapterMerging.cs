using System.Runtime.InteropServices;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx;

namespace Pipelines.Transforms.LowRank;

/// <summary>
/// Merge and unmerge on ONNX graphs. Merge folds every adapter branch into its base weight,
/// <c>W ← W_res + s·(A·B − A₀·B₀)</c>, and removes the branch; unmerge subtracts the adapters from the merged weights and
/// re-inserts the branches, so <c>Unmerge(Merge(m), adapters)</c> gives back <c>m</c> up to float rounding.
/// </summary>
internal static class AdapterMerging
{
    /// <summary>A plain model with every adapter of <paramref name="adapted"/> folded into its weight (a new model).</summary>
    /// <exception cref="InvalidOperationException">The model carries no adapter metadata, or a recorded name is missing.</exception>
    public static OnnxModel Merge(OnnxModel adapted)
    {
        ArgumentNullException.ThrowIfNull(adapted);
        IReadOnlyList<AdapterGraphEntry> entries = AdapterGraphEntry.Read(adapted);
        if (entries.Count == 0)
        {
            throw new InvalidOperationException($"The model has no '{AdapterGraphEntry.MetadataKey}' metadata: it carries no adapters to merge.");
        }

        OnnxModel merged = adapted.Clone();
        OnnxGraph g = merged.Graph;
        Dictionary<string, OnnxTensor> inits = g.InitializerMap();
        foreach (AdapterGraphEntry e in entries)
        {
            OnnxNode node = g.Nodes.FirstOrDefault(n => n.Name == e.Node)
                ?? throw new InvalidOperationException($"Adapter {e.Module}: node '{e.Node}' is missing.");
            OnnxTensor w = Get(inits, e.BaseInitializer, e.Module);
            bool transposed = node.OpType == "Gemm" && node.IntAttribute("transB", 0) == 1;
            Matrix m = ToInOut(w, transposed);
            float s = Get(inits, e.ScaleInitializer, e.Module).AsSpan<float>()[0];
            AddProduct(m, Get(inits, e.LoraA, e.Module), Get(inits, e.LoraB, e.Module), s);
            if (e.LoraA0 is not null && e.LoraB0 is not null)
            {
                AddProduct(m, Get(inits, e.LoraA0, e.Module), Get(inits, e.LoraB0, e.Module), -s);
            }

            w.ReplaceData(ToRaw(m, transposed));
            var remove = new HashSet<string>(e.AddedNodes, StringComparer.Ordinal);
            g.Nodes.RemoveAll(n => remove.Contains(n.Name));
            node.Outputs[0] = e.Output;
            var drop = new HashSet<string>(new[] { e.LoraA, e.LoraB, e.ScaleInitializer, e.LoraA0 ?? "", e.LoraB0 ?? "" }, StringComparer.Ordinal);
            g.Initializers.RemoveAll(t => drop.Contains(t.Name));
        }

        merged.Metadata.RemoveAll(kv => kv.Key is AdapterGraphEntry.MetadataKey or AdapterGraphEntry.TrainableKey);
        return merged;
    }

    /// <summary>
    /// Re-inserts <paramref name="adapters"/> into a merged model: W_res = W − s·A·B (+ s·A₀·B₀ when the set keeps the
    /// base untouched, which is then written back as W) and the adapter branches (a new model).
    /// </summary>
    public static OnnxModel Unmerge(OnnxModel merged, AdapterSet adapters)
    {
        ArgumentNullException.ThrowIfNull(merged);
        ArgumentNullException.ThrowIfNull(adapters);
        OnnxModel result = merged.Clone();
        var residuals = new Dictionary<string, Matrix>(StringComparer.Ordinal);
        var frozen = new Dictionary<string, AdapterFactors>(StringComparer.Ordinal);
        for (int i = 0; i < adapters.Adapters.Count; i++)
        {
            AdapterFactors f = adapters.Adapters[i];
            Matrix m = LowRankInitializer.ReadWeight(result, f.Target);
            Gemm.Multiply(f.A.Data, false, f.B.Data, false, m.Data, m.Rows, m.Cols, f.Rank, alpha: -f.Scale, beta: 1f);
            if (!adapters.ResidualBase && adapters.Initial is not null && HasFrozenTerm(f.Method))
            {
                AdapterFactors f0 = adapters.Initial[i];
                Gemm.Multiply(f0.A.Data, false, f0.B.Data, false, m.Data, m.Rows, m.Cols, f0.Rank, alpha: f0.Scale, beta: 1f);
                frozen[f.Target.Module] = f0;
            }

            residuals[f.Target.Module] = m;
        }

        AdaptedGraphWriter.Apply(result, adapters.Adapters, residuals, frozen);
        return result;
    }

    internal static bool HasFrozenTerm(LowRankMethod method) =>
        method is LowRankMethod.Pissa or LowRankMethod.PissaFast or LowRankMethod.MiLora or LowRankMethod.OLora;

    private static OnnxTensor Get(Dictionary<string, OnnxTensor> inits, string name, string module) =>
        inits.TryGetValue(name, out OnnxTensor? t) ? t : throw new InvalidOperationException($"Adapter {module}: initializer '{name}' is missing.");

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

    private static void AddProduct(Matrix m, OnnxTensor a, OnnxTensor b, float scale)
    {
        int r = (int)a.Dims[1];
        Gemm.Multiply(a.AsSpan<float>(), false, b.AsSpan<float>(), false, m.Data, m.Rows, m.Cols, r, alpha: scale, beta: 1f);
    }
}
