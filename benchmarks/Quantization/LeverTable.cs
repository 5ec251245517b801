using System.Globalization;
using Pipelines.Export;
using Pipelines.Export.Calibration;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;

/// <summary>
/// Calibration-free int4 levers (issue 18 item 4): for each setting, the mean cosine of pooled sentence embeddings to the float
/// model, the size on disk relative to the float file, and the quantization time. No sample inputs are used by any setting
/// except the <c>-sst2</c> rows (GPTQ over 128 SST-2 train sentences: the calibrated reference the data-free rows aim at).
/// </summary>
internal static class LeverTable
{
    /// <summary>The settings measured, by name (<c>--levers=a,b</c> picks some).</summary>
    public static IReadOnlyList<(string Name, QuantizationOptions Options)> Settings(OnnxModel model)
    {
        var b32 = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Search = BlockScaleSearch.Mse, EightBit = EightBitWeights.None, EmbeddingBlockSize = 0 };
        HashSet<string> small = [.. SmallTables(model)];
        var late = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn }, 3);
        var v6 = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value }, 6);
        var vf6 = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn }, 6);
        var vof = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.AttentionOutput, WeightRole.FfnIn }, 4);
        EightBitWeights Vf(int last) => new(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn }, last);
        QuantizationOptions mixed = b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128 };
        return
        [
            ("mixed-vf6", mixed with { EightBit = Vf(6) }),
            ("mixed-vf5", mixed with { EightBit = Vf(5) }),
            ("mixed-budget", mixed with { EightBit = Vf(5) with { SizeBudget = 0.17 } }),
            ("mixed-budget-hqq", mixed with { EightBit = Vf(5) with { SizeBudget = 0.17 }, Search = BlockScaleSearch.Hqq }),
            ("default", new QuantizationOptions()),
            ("b128", new QuantizationOptions { BlockSize = 128 }),
            ("b128-vf6", new QuantizationOptions { BlockSize = 128, EightBit = Vf(6) }),
            ("b128-vfa6", new QuantizationOptions { BlockSize = 128, EightBit = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn, WeightRole.AttentionOutput }, 6) }),
            ("b128-vff6", new QuantizationOptions { BlockSize = 128, EightBit = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn, WeightRole.FfnOut }, 6) }),
            ("b64-vf6", new QuantizationOptions { BlockSize = 64, EightBit = Vf(6) }),
            ("default-nearest", new QuantizationOptions { Rounding = WeightRounding.Nearest }),
            ("default-gptq-sst2", new QuantizationOptions { Rounding = WeightRounding.Gptq }),
            ("default-synthetic-uniform", new QuantizationOptions { SyntheticInputs = new SyntheticTokens { Distribution = TokenDistribution.Uniform, FirstWordId = 999 } }),
            ("default-synthetic-64", new QuantizationOptions { SyntheticInputs = new SyntheticTokens { Sequences = 64 } }),
            ("default-synthetic-128", new QuantizationOptions { SyntheticInputs = new SyntheticTokens { Sequences = 128 } }),
            ("default-synthetic-seed7", new QuantizationOptions { SyntheticInputs = new SyntheticTokens { Seed = 7 } }),
            ("default-synthetic-chars", new QuantizationOptions { SyntheticInputs = new SyntheticTokens { FirstWordId = 999 } }),
            ("default-acc0", new QuantizationOptions { AccuracyLevel = 0 }),
            ("default-acc1", new QuantizationOptions { AccuracyLevel = 1 }),
            ("mixed-vf4", mixed with { EightBit = Vf(4) }),
            ("mixed-vf5-hqq", mixed with { EightBit = Vf(5), Search = BlockScaleSearch.Hqq }),
            ("mixed-vf5-gptqln", mixed with { EightBit = Vf(5), Rounding = WeightRounding.GptqLayerNorm }),
            ("mixed-vf5-hqq-gptqln", mixed with { EightBit = Vf(5), Search = BlockScaleSearch.Hqq, Rounding = WeightRounding.GptqLayerNorm }),
            ("mixed-vf5-b16", mixed with { EightBit = Vf(5), BlockSize = 16 }),
            ("mixed-vf6-b64", mixed with { EightBit = Vf(6), BlockSize = 64 }),
            ("b32-mse", b32),
            ("b32-minmax", b32 with { Search = BlockScaleSearch.MinMax }),
            ("b32-hqq", b32 with { Search = BlockScaleSearch.Hqq }),
            ("b32-hqq-it0", b32 with { Search = BlockScaleSearch.Hqq, Hqq = new HqqParameters(Iterations: 0) }),
            ("b32-hqq-it50", b32 with { Search = BlockScaleSearch.Hqq, Hqq = new HqqParameters(Iterations: 50) }),
            ("b32-hqq-zero-only", b32 with { Search = BlockScaleSearch.Hqq, Hqq = new HqqParameters(UpdateScale: false) }),
            ("b32-mse-smallfloat", b32 with { ExcludedInitializers = small }),
            ("b32-mse-gptqln", b32 with { Rounding = WeightRounding.GptqLayerNorm }),
            ("b32-mse-smallfloat-e128", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128 }),
            ("b32-mse-smallfloat-e64", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 64 }),
            ("b32-mse-smallfloat-e128-8bit-vf-last3", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = late }),
            ("b32-mse-smallfloat-e128-8bit-v6", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = v6 }),
            ("b32-mse-smallfloat-e128-8bit-vf6", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vf6 }),
            ("b32-mse-smallfloat-e128-8bit-vof-last4", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vof }),
            ("b64-mse-smallfloat-e128-8bit-vf6", b32 with { BlockSize = 64, ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vf6 }),
            ("b32-hqq-smallfloat-e128-8bit-vf6", b32 with { Search = BlockScaleSearch.Hqq, ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vf6 }),
            ("b32-mse-gptqln-smallfloat-e128-8bit-vf6", b32 with { Rounding = WeightRounding.GptqLayerNorm, ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vf6 }),
            ("b32-mse-smallfloat-e128-8bit-vf6-acc0", b32 with { ExcludedInitializers = small, EmbeddingBlockSize = 128, EightBit = vf6, AccuracyLevel = 0 }),
        ];
    }

    public static void Run(OnnxModel model, string floatPath, IReadOnlyList<TensorBatch> evaluation, string outDir, string? only, IReadOnlyList<TensorBatch> calibration)
    {

        List<float[]> reference = PooledEmbeddings.Of(model, evaluation);
        long floatBytes = new FileInfo(floatPath).Length;
        var quantizer = new ModelQuantizer();
        Console.WriteLine("| setting | format | mean cos | 1 − cos | × float size | quantize s |");
        Console.WriteLine("|---|---|---|---|---|---|");
        IReadOnlyList<(string Name, QuantizationOptions Options)> all = Settings(model);
        foreach ((string name, QuantizationOptions options) in only is null ? all : only.Split(',').Select(n => all.Single(s => s.Name == n)))
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            // Settings with GPTQ over sample inputs (the oracle rows, not calibration-free) use 128 SST-2 train sentences.
            InputHessians? h = options.Rounding == WeightRounding.Gptq ? InputHessians.Collect(model, calibration) : null;
            OnnxModel q = quantizer.Quantize(model, options, null, h).Model;
            double seconds = watch.Elapsed.TotalSeconds;
            string path = Path.Combine(outDir, $"lever-{name}.onnx");
            OnnxModelIO.Save(q, path);
            double c = reference.Zip(PooledEmbeddings.Of(q, evaluation), EmbeddingMath.Cosine).Average();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {name} | {ModelQuantizer.FormatName(options)} | {c:F5} | {1 - c:E2} | {new FileInfo(path).Length / (double)floatBytes:F4} | {seconds:F1} |"));
        }
    }

    /// <summary>Embedding tables of fewer than 64 rows (e.g. BERT's 2×384 token-type table: 3 KiB in float).</summary>
    public static IEnumerable<string> SmallTables(OnnxModel model)
    {
        Dictionary<string, OnnxTensor> inits = model.Graph.InitializerMap();
        return model.Graph.Nodes.Where(n => n.OpType == "Gather" && inits.TryGetValue(n.Inputs[0], out OnnxTensor? t) && WeightMatrix.IsFloatMatrix(t) && t.Dims[0] < 64)
            .Select(n => n.Inputs[0]).Distinct();
    }
}
