using System.Text.Json;
using Pipelines.Export.Quantization;
using Pipelines.Numerics.LinearAlgebra;
using Pipelines.Onnx.Adapters;

namespace Pipelines.Export.QPissa;

/// <summary>
/// The frozen base of an adapted model stored block-wise int4 (QLoRA, QPiSSA, LoftQ): every MatMul weight except the
/// adapters becomes UINT4 codes <c>[K, N]</c> (two per byte) with per-block scales and zero points <c>[⌈K/block⌉, N]</c> as
/// frozen initializers, dequantized inside the graph right before its MatMul:
/// <code>
/// y = x·W_res + s·(x·A)·B   →   y = x·DequantizeLinear(W_q, scales, zp, axis = 0, block_size) + s·(x·A)·B
/// </code>
/// (opset 21, the <see cref="ExportFormat.Int4Qdq"/> form ORT serves). The frozen base then takes about 1/8 of its float
/// bytes (4.5 bits per weight with block 32: code, scale and zero point); no gradient reaches the codes, the input gradient
/// flows through the dequantized weight, and the adapters, head and optimizer stay float32. The list of quantized weights
/// is stored as JSON under <see cref="MetadataKey"/> so <see cref="Dequantize"/> can restore the float form (merge,
/// fidelity reference).
/// </summary>
public static class QuantizedBase
{
    /// <summary>
    /// ORT session config key of the accuracy level of the MatMulNBits that ORT fuses from DequantizeLinear + MatMul when
    /// it loads the graph: ORT's default 4 computes with int8 activations (fastest; a relative error near 1e-3 on the
    /// forward), "0" in float (the graph's own arithmetic). Set through <c>SessionSettings.ConfigEntries</c>.
    /// </summary>
    public const string AccuracyLevelConfigKey = "session.qdq_matmulnbits_accuracy_level";

    /// <summary>Model metadata key of the JSON list of quantized base weights.</summary>
    public const string MetadataKey = "pipelines.quantized_base";

    /// <summary>The base quantizer: <see cref="ExportFormat.Int4Qdq"/> with the export's block size, zero points and scale search; embeddings stay float.</summary>
    public static QuantizationOptions DefaultOptions { get; } = new() { Format = ExportFormat.Int4Qdq, QuantizeEmbeddings = false, Rounding = WeightRounding.Nearest };

    /// <summary>
    /// deq(Q(·)) of <paramref name="options"/>' MatMul quantizer for the initialisers' loop (<c>LoftQOptions.RoundTrip</c>):
    /// the arithmetic <see cref="Quantize"/> applies, so the codes equal the ones the initialisation saw.
    /// </summary>
    /// <param name="options">The base quantizer.</param>
    public static Func<Matrix, Matrix> RoundTrip(QuantizationOptions options) => QuantizerRoundTrip.Of(Check(options));

    /// <summary>Quantizes the frozen MatMul weights of <paramref name="adapted"/> (not modified); adapters stay float.</summary>
    /// <param name="adapted">A model with or without adapters (<see cref="AdapterGraphEntry"/>).</param>
    /// <param name="options">The base quantizer (<see cref="ExportFormat.Int4Qdq"/>; default <see cref="DefaultOptions"/>).</param>
    /// <exception cref="ArgumentException">The options are not int4-qdq with nearest rounding, or are invalid.</exception>
    /// <exception cref="InvalidOperationException">No MatMul weight could be quantized.</exception>
    public static OnnxModel Quantize(OnnxModel adapted, QuantizationOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(adapted);
        QuantizationOptions o = Check(options ?? DefaultOptions);
        var keep = new HashSet<string>(o.ExcludedInitializers, StringComparer.Ordinal);
        foreach (AdapterGraphEntry e in AdapterGraphEntry.Read(adapted))
        {
            keep.Add(e.LoraA);
            keep.Add(e.LoraB);
            if (e.LoraA0 is not null)
            {
                keep.Add(e.LoraA0);
            }

            if (e.LoraB0 is not null)
            {
                keep.Add(e.LoraB0);
            }
        }

        // The MatMuls keep their output names; map each output to the float weight it consumed and the node's name.
        var weightOf = adapted.Graph.Nodes
            .Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2 && adapted.Graph.FindInitializer(n.Inputs[1]) is not null)
            .ToDictionary(n => n.Outputs[0], n => (Weight: n.Inputs[1], Node: n.Name), StringComparer.Ordinal);
        QuantizationResult result = new ModelQuantizer().Quantize(adapted, o with { ExcludedInitializers = keep, QuantizeEmbeddings = false });
        OnnxModel model = result.Model;
        var entries = new List<QuantizedWeight>();
        var producers = model.Graph.Nodes.Where(n => n.OpType == "DequantizeLinear").ToDictionary(n => n.Outputs[0], StringComparer.Ordinal);
        foreach (OnnxNode matmul in model.Graph.Nodes.Where(n => n.OpType == "MatMul" && n.Inputs.Count == 2))
        {
            if (producers.TryGetValue(matmul.Inputs[1], out OnnxNode? dq) && weightOf.TryGetValue(matmul.Outputs[0], out var original)
                && model.Graph.FindInitializer(dq.Inputs[0]) is { ElementType: TensorElementType.UInt4 or TensorElementType.Int4 })
            {
                // the node keeps its name, so adapter entries and reports that name it still find it
                matmul.Name = original.Node;
                entries.Add(new QuantizedWeight(original.Weight, dq.Name, matmul.Name));
            }
        }

        if (entries.Count == 0)
        {
            throw new InvalidOperationException($"No MatMul weight of '{adapted.Graph.Name}' could be quantized to int4 (K ≥ 16, 2-D float initializers).");
        }

        model.SetMetadata(MetadataKey, JsonSerializer.Serialize(new QuantizedBaseInfo(ModelQuantizer.FormatName(o), o.BlockSize, entries)));
        return model;
    }

    /// <summary>True when <paramref name="model"/> carries a quantized base written by <see cref="Quantize"/>.</summary>
    public static bool IsQuantized(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Metadata.Any(kv => kv.Key == MetadataKey);
    }

    /// <summary>
    /// The float model the quantized-base model computes: every recorded <c>DequantizeLinear</c> replaced by its value
    /// deq(W_q) as a float initializer under the original weight name (so <see cref="AdapterMerger"/> finds it again).
    /// </summary>
    /// <param name="model">A model from <see cref="Quantize"/> (not modified).</param>
    /// <exception cref="OnnxFormatException">The metadata names a node or initializer the graph lacks, or a tensor has the wrong shape.</exception>
    public static OnnxModel Dequantize(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        OnnxModel copy = model.Clone();
        string json = copy.Metadata.FirstOrDefault(kv => kv.Key == MetadataKey).Value
            ?? throw new OnnxFormatException($"'{copy.Graph.Name}' has no {MetadataKey} metadata; it holds no quantized base.");
        QuantizedBaseInfo info = JsonSerializer.Deserialize<QuantizedBaseInfo>(json)
            ?? throw new OnnxFormatException($"Metadata {MetadataKey} of '{copy.Graph.Name}' is empty.");
        OnnxGraph g = copy.Graph;
        foreach (QuantizedWeight e in info.Weights)
        {
            OnnxNode dq = g.Nodes.FirstOrDefault(n => n.Name == e.Dequantize)
                ?? throw new OnnxFormatException($"Quantized base weight '{e.Weight}': DequantizeLinear node '{e.Dequantize}' is missing.");
            OnnxNode matmul = g.Nodes.FirstOrDefault(n => n.Name == e.MatMul)
                ?? throw new OnnxFormatException($"Quantized base weight '{e.Weight}': MatMul node '{e.MatMul}' is missing.");
            float[] w = DequantizeWeight(g, dq, out long k, out long n);
            g.Initializers.Add(OnnxTensor.FromFloats(e.Weight, w, k, n));
            for (int i = 0; i < matmul.Inputs.Count; i++)
            {
                if (matmul.Inputs[i] == dq.Outputs[0])
                {
                    matmul.Inputs[i] = e.Weight;
                }
            }

            g.Nodes.Remove(dq);
        }

        g.RemoveUnusedInitializers();
        copy.Metadata.RemoveAll(kv => kv.Key == MetadataKey);
        return copy;
    }

    /// <summary>w[k, n] = (q[k, n] − zp[k/block, n])·scale[k/block, n] of one <c>DequantizeLinear(axis = 0, block_size)</c> over initializers.</summary>
    internal static float[] DequantizeWeight(OnnxGraph g, OnnxNode dq, out long k, out long n)
    {
        OnnxTensor codes = g.FindInitializer(dq.Inputs[0]) ?? throw new OnnxFormatException($"DequantizeLinear '{dq.Name}': codes '{dq.Inputs[0]}' are not an initializer.");
        OnnxTensor scales = g.FindInitializer(dq.Inputs[1]) ?? throw new OnnxFormatException($"DequantizeLinear '{dq.Name}': scales '{dq.Inputs[1]}' are not an initializer.");
        OnnxTensor? zeros = dq.Inputs.Count > 2 && dq.Inputs[2].Length > 0 ? g.FindInitializer(dq.Inputs[2]) : null;
        long block = dq.Attributes.FirstOrDefault(a => a.Name == "block_size")?.I ?? 0;
        if (codes.Dims.Length != 2 || scales.Dims.Length != 2 || block <= 0 || scales.Dims[1] != codes.Dims[1] || scales.Dims[0] != (codes.Dims[0] + block - 1) / block)
        {
            throw new OnnxFormatException($"DequantizeLinear '{dq.Name}': codes {codes.Type}, scales {scales.Type}, block {block} are not a block-wise [K, N] weight.");
        }

        k = codes.Dims[0];
        n = codes.Dims[1];
        bool signed = codes.ElementType == TensorElementType.Int4;
        var q = new byte[k * n];
        Int4Packing.Unpack(codes.RawData, q);
        var z = new byte[scales.ElementCount];
        if (zeros is not null)
        {
            Int4Packing.Unpack(zeros.RawData, z);
        }

        ReadOnlySpan<float> s = scales.AsSpan<float>();
        var w = new float[k * n];
        for (long r = 0; r < k; r++)
        {
            for (long c = 0; c < n; c++)
            {
                long b = ((r / block) * n) + c;
                int code = q[(r * n) + c];
                int zp = z[b];
                if (signed)
                {
                    code = code >= 8 ? code - 16 : code;
                    zp = zp >= 8 ? zp - 16 : zp;
                }

                w[(r * n) + c] = (code - zp) * s[(int)b];
            }
        }

        return w;
    }

    private static QuantizationOptions Check(QuantizationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (options.Format != ExportFormat.Int4Qdq || options.Rounding != WeightRounding.Nearest)
        {
            throw new ArgumentException(
                $"A quantized training base is int4-qdq with nearest rounding (DequantizeLinear before each MatMul); got {ModelQuantizer.FormatName(options)}.", nameof(options));
        }

        return options;
    }

    /// <summary>One quantized weight: its float name, the DequantizeLinear that produces it and the MatMul consuming it.</summary>
    private sealed record QuantizedWeight(string Weight, string Dequantize, string MatMul);

    /// <summary>The metadata record.</summary>
    private sealed record QuantizedBaseInfo(string Quantizer, int BlockSize, IReadOnlyList<QuantizedWeight> Weights);
}
