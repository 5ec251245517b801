using System.Globalization;
using Pipelines.Export;
using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

/// <summary>
/// Which tensors hurt: mean cosine of pooled sentence embeddings to the float model when the whole model is quantized under a
/// few settings, and when exactly one weight (or embedding table) is quantized to 4 bits and the rest stays float.
/// </summary>
internal static class SensitivityTable
{
    public static void Run(OnnxModel model, IReadOnlyList<TensorBatch> evaluation, IReadOnlyList<TensorBatch> calibration, bool perTensor)
    {
        var watch = System.Diagnostics.Stopwatch.StartNew();
        InputHessians hessians = InputHessians.Collect(model, calibration);
        Console.Error.WriteLine($"input statistics of {hessians.Count} activations in {watch.Elapsed.TotalSeconds:F1} s");
        List<float[]> reference = PooledEmbeddings.Of(model, evaluation);
        double Cos(OnnxModel m) => reference.Zip(PooledEmbeddings.Of(m, evaluation), EmbeddingMath.Cosine).Average();
        var quantizer = new ModelQuantizer();
        var int4 = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Search = BlockScaleSearch.Mse, EightBit = EightBitWeights.None, EmbeddingBlockSize = 0 };
        List<string> weights = Weights(model);
        HashSet<string> matmuls = [.. weights.Where(w => !w.StartsWith("embeddings.", StringComparison.Ordinal))];
        HashSet<string> tables = [.. weights.Where(w => w.StartsWith("embeddings.", StringComparison.Ordinal))];
        (string Name, QuantizationOptions Options)[] settings =
        [
            ("int4 b32 zp mse gptq acc4", int4 with { Rounding = WeightRounding.Gptq }),
            ("int4 b32 zp mse gptq acc0", int4 with { Rounding = WeightRounding.Gptq, AccuracyLevel = 0 }),
            ("int4 b32 zp mse acc4 (default)", int4),
            ("int4 b32 zp mse acc0", int4 with { AccuracyLevel = 0 }),
            ("int4 b32 zp clip acc4", int4 with { Search = BlockScaleSearch.Clip }),
            ("int4 b32 zp min-max acc4", int4 with { Search = BlockScaleSearch.MinMax }),
            ("int4 b32 sym mse acc4", int4 with { Symmetric = true }),
            ("int4 b32 zp mse acc4, embeddings float", int4 with { QuantizeEmbeddings = false }),
            ("int4 b32 zp mse, embeddings only", int4 with { ExcludedInitializers = matmuls }),
        ];
        Console.WriteLine("| setting | mean cos | 1 − cos |");
        Console.WriteLine("|---|---|---|");
        foreach ((string name, QuantizationOptions options) in settings)
        {
            watch.Restart();
            double c = Cos(quantizer.Quantize(model, options, null, hessians).Model);
            Console.Error.WriteLine($"{name}: {watch.Elapsed.TotalSeconds:F1} s");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {name} | {c:F5} | {1 - c:E2} |"));
        }

        if (!perTensor)
        {
            return;
        }

        Console.WriteLine();
        Console.WriteLine("| only this tensor int4 (b32 zp mse acc4) | mean cos | 1 − cos |");
        Console.WriteLine("|---|---|---|");
        foreach (string w in weights)
        {
            var others = new HashSet<string>(weights.Where(x => x != w), StringComparer.Ordinal);
            double c = Cos(quantizer.Quantize(model, int4 with { ExcludedInitializers = others }).Model);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"| {w} | {c:F5} | {1 - c:E2} |"));
        }
    }

    /// <summary>Initializers of MatMul weights and Gather tables, in node order.</summary>
    private static List<string> Weights(OnnxModel model)
    {
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        var names = new List<string>();
        foreach (OnnxNode n in model.Graph.Nodes)
        {
            int index = n.OpType switch { "MatMul" => 1, "Gather" => 0, _ => -1 };
            if (index >= 0 && index < n.Inputs.Count && inits.TryGetValue(n.Inputs[index], out OnnxTensor? t) && WeightMatrix.IsFloatMatrix(t) && !names.Contains(t.Name))
            {
                names.Add(t.Name);
            }
        }

        return names;
    }
}
