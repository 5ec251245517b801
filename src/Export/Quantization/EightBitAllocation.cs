using Pipelines.Export.Quantization.Operators;

namespace Pipelines.Export.Quantization;

/// <summary>
/// Which MatMul weights of an <see cref="ExportFormat.Int4"/> export get 8-bit codes. With a size budget
/// (<see cref="EightBitWeights.SizeBudget"/> &gt; 0) the choice is data-free: each weight's sensitivity <c>s_i</c> is measured by
/// <see cref="SensitivityProbe"/> (synthetic tokens, the weight alone at 4 bits, min-max block scales), its extra bytes
/// <c>b_i = bytes₈(W_i) − bytes₄(W_i)</c> follow from its shape, and weights are taken greedily by <c>s_i / b_i</c> while the
/// estimated artifact stays within <c>SizeBudget × float bytes</c> (a weight that does not fit is skipped, later ones may still).
/// Without a budget, or for a model the probe cannot run (no <c>input_ids</c>), the role rule of <see cref="EightBitWeights"/>
/// applies. Deterministic: the probe's tokens are seeded.
/// </summary>
public static class EightBitAllocation
{
    /// <summary>The selection for <paramref name="model"/> under <paramref name="options"/> (empty for formats other than int4).</summary>
    public static IReadOnlySet<string> Select(OnnxModel model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        EightBitWeights e = options.EightBit;
        if (options.Format != ExportFormat.Int4 || e.SizeBudget <= 0 || !SensitivityProbe.CanProbe(model))
        {
            return e.Select(model);
        }

        List<(string Name, int K, int N)> candidates = Candidates(model, options);
        IReadOnlyDictionary<string, double> sensitivity = SensitivityProbe.Measure(model, [.. candidates.Select(c => c.Name)],
            (_, w, k, n) => WeightMatrix.Transpose(WeightMatrix.QuantizeColumns(w, k, n, options.BlockSize, 4, options.Symmetric, BlockScaleSearch.MinMax).Dequantize(), n, k),
            seed: e.Seed);
        return Allocate(model, options, candidates.Select(c => (c.Name, sensitivity[c.Name])).ToList());
    }

    /// <summary>
    /// The greedy choice under the budget from given sensitivities (name, <c>s_i</c>): by <c>s_i / b_i</c>, ties by name; the
    /// always-8-bit <see cref="EightBitWeights.Initializers"/> are counted first.
    /// </summary>
    public static IReadOnlySet<string> Allocate(OnnxModel model, QuantizationOptions options, IReadOnlyList<(string Name, double Sensitivity)> sensitivities)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(sensitivities);
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        var chosen = new HashSet<string>(options.EightBit.Initializers, StringComparer.Ordinal);
        long budget = BudgetBytes(model, options);
        long size = EstimateBytes(model, options, chosen);
        foreach ((string name, double s, long extra) in sensitivities
            .Where(x => !chosen.Contains(x.Name) && inits.ContainsKey(x.Name))
            .Select(x => (x.Name, x.Sensitivity, Extra: ExtraBytes(inits[x.Name], options)))
            .OrderByDescending(x => x.Sensitivity / Math.Max(1, x.Extra)).ThenBy(x => x.Name, StringComparer.Ordinal))
        {
            if (s > 0 && size + extra <= budget)
            {
                chosen.Add(name);
                size += extra;
            }
        }

        return chosen;
    }

    /// <summary>Bytes a quantized tensor adds to the file besides its data: initializer names, dims and tags, the new node.</summary>
    public const int TensorOverheadBytes = 512;

    /// <summary>
    /// The initializer bytes the budget leaves: <c>SizeBudget × float file bytes</c>, less the file's graph (its bytes besides the
    /// initializers' data, which the quantized file keeps) and <see cref="TensorOverheadBytes"/> per quantized tensor — so that the
    /// artifact's file, not only its weights, stays within the budget.
    /// </summary>
    public static long BudgetBytes(OnnxModel model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        long weights = FloatBytes(model);
        long graph = Math.Max(0, OnnxModelIO.ToBytes(model).LongLength - weights);
        int tensors = Candidates(model, options).Count + model.Graph.Nodes.Count(n => n.OpType == "Gather");
        return (long)(options.EightBit.SizeBudget * (weights + graph)) - graph - ((long)TensorOverheadBytes * tensors);
    }

    /// <summary>Bytes of all initializers of the float model.</summary>
    public static long FloatBytes(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Graph.Initializers.Sum(t => t.ByteCount);
    }

    /// <summary>
    /// Estimated initializer bytes after an int4 export with <paramref name="eightBit"/> at 8 bits: MatMul weights and embedding
    /// tables as the quantizers store them (codes, float scales, packed zero points), everything else as it is.
    /// </summary>
    public static long EstimateBytes(OnnxModel model, QuantizationOptions options, IReadOnlySet<string> eightBit)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(eightBit);
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        var encoded = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach ((string name, int k, int n) in Candidates(model, options))
        {
            encoded[name] = MatMulBytes(k, n, eightBit.Contains(name) ? 8 : 4, options);
        }

        if (options.QuantizeEmbeddings)
        {
            foreach (OnnxNode node in model.Graph.Nodes.Where(x => x.OpType == "Gather" && !options.ExcludedNodes.Contains(x.Name)))
            {
                if (inits.TryGetValue(node.Inputs[0], out OnnxTensor? t) && WeightMatrix.IsFloatMatrix(t) && t.Dims[0] >= GatherTableCheck.MinimumRows
                    && node.IntAttribute("axis", 0) == 0 && !options.ExcludedInitializers.Contains(t.Name) && t.Dims[1] % options.TableBlockSizeFor(t.Dims[1]) == 0)
                {
                    long v = t.Dims[0], d = t.Dims[1], blocks = d / options.TableBlockSizeFor(d);
                    encoded[t.Name] = (v * d / 2) + (v * blocks * 4) + (options.Symmetric ? 0 : v * ((blocks + 1) / 2));
                }
            }
        }

        return model.Graph.Initializers.Sum(t => encoded.TryGetValue(t.Name, out long b) ? b : t.ByteCount);
    }

    /// <summary>Bytes of a <c>W[K, N]</c> weight stored by <c>MatMulNBits</c> with <paramref name="bits"/>-bit codes.</summary>
    public static long MatMulBytes(int k, int n, int bits, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        int block = bits == 8 ? options.EightBit.BlockSizeFor(k) : options.BlockSize;
        long blocks = (k + block - 1) / block;
        long zeroPoints = options.Symmetric ? 0 : bits == 8 ? blocks : (blocks + 1) / 2;
        return n * ((blocks * block * bits / 8) + (blocks * 4) + zeroPoints);
    }

    private static long ExtraBytes(OnnxTensor w, QuantizationOptions options) =>
        MatMulBytes((int)w.Dims[0], (int)w.Dims[1], 8, options) - MatMulBytes((int)w.Dims[0], (int)w.Dims[1], 4, options);

    /// <summary>The MatMul weights the int4 format quantizes (a 2-D float initializer with K ≥ 16, not excluded), in node order.</summary>
    public static List<(string Name, int K, int N)> Candidates(OnnxModel model, QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        HashSet<string> floatNodes = ModelQuantizer.FloatNodes(model, options);
        var result = new List<(string Name, int K, int N)>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (OnnxNode node in model.Graph.Nodes.Where(x => x.OpType == "MatMul" && x.Inputs.Count > 1 && !floatNodes.Contains(x.Name)))
        {
            if (inits.TryGetValue(node.Inputs[1], out OnnxTensor? w) && WeightMatrix.IsFloatMatrix(w) && w.Dims[0] >= 16
                && !node.Inputs.Any(options.ExcludedInitializers.Contains) && seen.Add(w.Name))
            {
                result.Add((w.Name, (int)w.Dims[0], (int)w.Dims[1]));
            }
        }

        return result;
    }
}
