using System.Globalization;
using System.Text.Json;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Export;
using Pipelines.Export.Calibration;
using Pipelines.Export.Evaluation;
using Pipelines.Export.QPissa;
using Pipelines.Export.Quantization;
using Pipelines.Export.Report;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

// all-MiniLM-L6-v2 exported int4 (block 32, embeddings included), int4-qdq, int8-dynamic and int8-qdq, measured against the
// float model in the same run on SST-2 dev sentences; `--qpissa` adds the QPiSSA / LoftQ error-reduction table.
string shared = args.FirstOrDefault(a => a.StartsWith("--shared=", StringComparison.Ordinal))?["--shared=".Length..]
    ?? Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../../../../shared"));
string sst2 = Path.Combine(shared, "data/text/sst2");
if (!Directory.Exists(sst2))
{
    Console.Error.WriteLine($"SST-2 not found at '{sst2}'; pass --shared=<path to shared/>.");
    return 2;
}

int devLimit = int.Parse(args.FirstOrDefault(a => a.StartsWith("--dev=", StringComparison.Ordinal))?["--dev=".Length..] ?? "872", CultureInfo.InvariantCulture);
string outDir = Path.Combine(Path.GetTempPath(), "pipelines-quant-bench");
Directory.CreateDirectory(outDir);
PretrainedModelFiles files = PretrainedModels.MiniLm();
OnnxModel model = OnnxModelIO.Load(files.ModelPath);
var text = new TextEncoderInputs(files.VocabPath);

static List<(int Label, string Text)> Read(string path, int limit) => File.ReadLines(path)
    .Where(l => l.Length > 2).Take(limit).Select(l => (l[0] - '0', l[2..])).ToList();

// --split=test evaluates on the 1,821 SST-2 test sentences instead of the 872 dev sentences (a second held-out set).
string split = args.FirstOrDefault(a => a.StartsWith("--split=", StringComparison.Ordinal))?["--split=".Length..] ?? "dev";
var dev = Read(Path.Combine(sst2, $"stsa.binary.{split}"), devLimit);
var train = Read(Path.Combine(sst2, "stsa.binary.train"), 2000);
Console.Error.WriteLine($"SST-2: {dev.Count} {split} sentences, {train.Count} train sentences for the label head; output dir {outDir}");

if (args.Contains("--weight-error"))
{
    WeightErrorTable.Run(model, 32);
    return 0;
}

if (args.Contains("--sensitivity"))
{
    SensitivityTable.Run(model, text.Batches(dev.Select(d => d.Text).ToList(), 32), text.Batches(train.Take(128).Select(t => t.Text).ToList(), 16), args.Contains("--per-tensor"));
    return 0;
}

if (args.FirstOrDefault(a => a.StartsWith("--probe", StringComparison.Ordinal)) is string probeArg)
{
    AllocationProbe.Run(model, text.Batches(dev.Select(d => d.Text).ToList(), 32), [.. new SyntheticTokens { Sequences = 64, Distribution = TokenDistribution.Uniform, FirstWordId = 999 }.Batches(model)], probeArg.Contains('=') ? probeArg[(probeArg.IndexOf('=') + 1)..] : null);
    return 0;
}

if (args.FirstOrDefault(a => a.StartsWith("--levers", StringComparison.Ordinal)) is string levers)
{
    LeverTable.Run(model, files.ModelPath, text.Batches(dev.Select(d => d.Text).ToList(), 32), outDir, levers.Contains('=') ? levers[(levers.IndexOf('=') + 1)..] : null, text.Batches(train.Take(128).Select(t => t.Text).ToList(), 16));
    return 0;
}

if (args.FirstOrDefault(a => a.StartsWith("--optimized-graph=", StringComparison.Ordinal)) is string graphOf)
{
    OptimizedGraphTable.Run(files.ModelPath, graphOf["--optimized-graph=".Length..], outDir);
    return 0;
}

if (args.Contains("--qpissa"))
{
    RunQPissa(model);
    return 0;
}

// A logistic-regression head trained with ML.NET on float embeddings of SST-2 train sentences gives labels for agreement/accuracy.
string? classifierPath = args.FirstOrDefault(a => a.StartsWith("--classifier=", StringComparison.Ordinal))?["--classifier=".Length..];
Func<float[], int> classifier = classifierPath is null ? TrainHead(files.ModelPath, text, train) : _ => 0;
IReadOnlyList<TensorBatch> evaluation = text.Batches(dev.Select(d => d.Text).ToList(), 32);
string b1Sentence = LatencySentence.Pick(dev, args);
Console.Error.WriteLine($"batch-1 latency sentence ({LatencySentence.Words(b1Sentence)} words): {b1Sentence}");
TensorBatch b1 = text.Batch([b1Sentence]);
TensorBatch b32 = text.Batch(dev.Take(32).Select(d => d.Text).ToList());
IReadOnlyList<TensorBatch> calibration = text.Batches(train.Take(128).Select(t => t.Text).ToList(), 16);

string? only = args.FirstOrDefault(a => a.StartsWith("--only=", StringComparison.Ordinal))?["--only=".Length..];
var rows = new List<ExportReport>();
var quantizer = new ModelQuantizer();

(string Name, QuantizationOptions Options)[] formats =
[
    ("int4-default", new QuantizationOptions()),
    ("int4-nearest", new QuantizationOptions { Rounding = WeightRounding.Nearest }),
    ("int4-dyn8", new QuantizationOptions { EightBit = QuantizationOptions.Defaults.EightBit with { Kernel = EightBitKernel.DynamicInt8 } }),
    ("int4-b128-vfa5-dyn8", new QuantizationOptions { BlockSize = 128, EightBit = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn, WeightRole.AttentionOutput }, 5) { Kernel = EightBitKernel.DynamicInt8 } }),
    ("int4-b64", new QuantizationOptions { BlockSize = 64 }),
    ("int4-b128", new QuantizationOptions { BlockSize = 128 }),
    ("int4-b64-vf6", new QuantizationOptions { BlockSize = 64, EightBit = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn }, 6) }),
    ("int4-b128-vfa5", new QuantizationOptions { BlockSize = 128, EightBit = new EightBitWeights(new HashSet<WeightRole> { WeightRole.Value, WeightRole.FfnIn, WeightRole.AttentionOutput }, 5) }),
    ("int4-budget", new QuantizationOptions { EightBit = QuantizationOptions.Defaults.EightBit with { SizeBudget = 0.17 } }),
    ("int4", new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Search = BlockScaleSearch.Mse, EightBit = EightBitWeights.None, EmbeddingBlockSize = 0 }),
    ("int4-gptq", new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Search = BlockScaleSearch.Mse, EightBit = EightBitWeights.None, EmbeddingBlockSize = 0, Rounding = WeightRounding.Gptq }),
    ("int4-symmetric", new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32, Symmetric = true }),
    ("int4-b16", new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 16 }),
    ("int4-qdq", new QuantizationOptions { Format = ExportFormat.Int4Qdq, BlockSize = 32 }),
    ("int8-dynamic", new QuantizationOptions { Format = ExportFormat.Int8Dynamic }),
    ("int8-qdq", new QuantizationOptions { Format = ExportFormat.Int8Qdq, Calibration = CalibrationMethod.MinMax }),
    ("int8-qdq-p99.99", new QuantizationOptions { Format = ExportFormat.Int8Qdq, Calibration = CalibrationMethod.Percentile, Percentile = 99.99 }),
];
if (args.Contains("--variants"))
{
    formats =
    [
        ("int4-sym-ls", new QuantizationOptions { Format = ExportFormat.Int4 }),
        ("int4-zp-ls", new QuantizationOptions { Format = ExportFormat.Int4, Symmetric = false }),
    ];
}

bool fast = args.Contains("--fast");
if (classifierPath is not null)
{
    rows.AddRange(ClassifierTable.Run(classifierPath, text, dev, calibration, outDir, only, b1Sentence));
    formats = [];
}

foreach ((string name, QuantizationOptions options) in formats.Where(f => only is null || only.Split(',').Contains(f.Name)))
{
    var watch = System.Diagnostics.Stopwatch.StartNew();
    ActivationRanges? ranges = options.Format == ExportFormat.Int8Qdq
        ? Calibrator.Calibrate(model, calibration, options.Calibration, options.Percentile) : null;
    InputHessians? hessians = options.Rounding == WeightRounding.Gptq ? InputHessians.Collect(model, calibration) : null;
    QuantizationResult q = quantizer.Quantize(model, options, ranges, hessians);
    string path = Path.Combine(outDir, $"minilm-{name}.onnx");
    OnnxModelIO.Save(q.Model, path);
    Console.Error.WriteLine($"{name}: {q.QuantizedCount} nodes quantized in {watch.Elapsed.TotalSeconds:F1} s ({ModelQuantizer.FormatName(options)})");
    rows.Add(ExportEvaluator.Evaluate(name, files.ModelPath, path, evaluation, b1, b32,
        new EvaluationOptions { Classifier = classifier, Labels = dev.Select(d => d.Label).ToList(), LatencyRuns = fast ? 5 : 30, LatencyRunsB1 = fast ? 5 : 300, CheckMlNet = !fast }));
    Print(rows[^1]);
}

Console.WriteLine();
Console.WriteLine("| artifact | MiB | × float | b1 ms | float b1 ms | × | p10 × | b32 ms | float b32 ms | × | p10 × | max abs diff | mean cos | min cos | label agree | acc | float acc | ML.NET ApplyOnnxModel |");
Console.WriteLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
foreach (ExportReport r in rows)
{
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"| {r.Name} | {r.Bytes / 1048576.0:F1} | {r.SizeRatio:F3} | {r.LatencyMsB1:F2} | {r.FloatLatencyMsB1:F2} | {r.LatencyRatioB1:F2} | {r.FastestDecileRatioB1:F2} | {r.LatencyMsB32:F1} | {r.FloatLatencyMsB32:F1} | {r.LatencyRatioB32:F2} | {r.FastestDecileRatioB32:F2} | {r.MaxAbsDiff:F4} | {r.MeanCosine:F5} | {r.MinCosine:F4} | {r.LabelAgreement:P2} | {r.Accuracy:P2} | {r.FloatAccuracy:P2} | {(r.MlNetError is { } e ? "cannot load: " + e : $"loaded, |ML.NET − ORT| {r.MlNetMaxAbsDiff:E1}")} |"));
}

File.WriteAllText(Path.Combine(outDir, "report.json"), JsonSerializer.Serialize(rows, new JsonSerializerOptions { WriteIndented = true }));
return 0;

static void Print(ExportReport r) => Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
    $"  size {r.SizeRatio:F3}x, b1 {r.LatencyMsB1:F2}/{r.FloatLatencyMsB1:F2} ms ({r.LatencyRatioB1:F2}x), b32 {r.LatencyRatioB32:F2}x, cos {r.MeanCosine:F5}, agree {r.LabelAgreement:P1}"));

static Func<float[], int> TrainHead(string floatPath, TextEncoderInputs text, List<(int Label, string Text)> train)
{
    using var session = OrtSessions.Create(floatPath);
    var rows = new List<HeadRow>();
    foreach (var chunk in train.Chunk(32))
    {
        using TensorBatch b = text.Batch(chunk.Select(c => c.Text).ToList());
        (float[] data, long[] shape) = session.RunFloat(b, ["last_hidden_state"])["last_hidden_state"];
        int i = 0;
        foreach (float[] e in EmbeddingMath.Pool(data, shape, BertInputs.AttentionMaskOf(b)))
        {
            rows.Add(new HeadRow { Label = chunk[i++].Label == 1, Features = e });
        }
    }

    var ml = new MLContext(seed: 1);
    IDataView view = ml.Data.LoadFromEnumerable(rows);
    var head = ml.BinaryClassification.Trainers.SdcaLogisticRegression(maximumNumberOfIterations: 100).Fit(view);
    float[] w = head.Model.SubModel.Weights.ToArray();
    float bias = head.Model.SubModel.Bias;
    return e => w.Zip(e).Sum(p => p.First * p.Second) + bias > 0 ? 1 : 0;
}

static void RunQPissa(OnnxModel model)
{
    foreach (int iterations in new[] { 1, 5 })
    {
        var options = new QPissaOptions { Rank = 64, Iterations = iterations, Quantization = new QuantizationOptions { Format = ExportFormat.Int4, BlockSize = 32 } };
        var watch = System.Diagnostics.Stopwatch.StartNew();
        QPissaResult result = QPissaInitializer.Run(model, options);
        Console.WriteLine($"QPiSSA r={options.Rank} T={iterations} int4 block 32: {result.Layers.Count} MatMuls in {watch.Elapsed.TotalSeconds:F1} s");
        Console.WriteLine("| weight | role | layer | K×N | ‖W−deq(Q(W))‖_* | ‖W−(deq(Q(W_res))+s·BA)‖_* | reduction (nuclear) | reduction (Frobenius) |");
        Console.WriteLine("|---|---|---|---|---|---|---|---|");
        foreach (QPissaLayerReport l in result.Layers)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"| {l.Weight} | {l.Role} | {l.Layer} | {l.InFeatures}×{l.OutFeatures} | {l.BaselineNuclear:F3} | {l.QPissaNuclear:F3} | {l.NuclearReduction:P1} | {l.FrobeniusReduction:P1} |"));
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"mean reduction T={iterations}: nuclear {result.Layers.Average(l => l.NuclearReduction):P2}, Frobenius {result.Layers.Average(l => l.FrobeniusReduction):P2}"));
    }
}

internal sealed class HeadRow
{
    public bool Label { get; set; }

    [VectorType(384)]
    public float[] Features { get; set; } = [];
}
