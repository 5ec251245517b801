using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.FineTuneComparison;

/// <summary>
/// Same data, steps, seed and learning-rate grid for LoRA, PiSSA, MiLoRA, OLoRA, EVA, LoRA-GA (ranks from --ranks) and
/// full fine-tuning of all-MiniLM-L6-v2 on SST-2. Writes results.jsonl (one line per finished run, so partial grids
/// survive), table.md and loss_curves.png under --out.
/// A method may carry variants: <c>Lora+dora</c> (DoRA), <c>Lora+rslora</c> (s = α/√r), <c>Pissa+dora+rslora</c>.
/// With --seeds every run repeats per seed (the seed sets the head, the adapters' random init and the batch order) and
/// summary.md reports dev accuracy mean ± std per run.
/// Usage: FineTuneComparison [--data DIR] [--out DIR] [--steps N | --epochs E] [--warmup RATIO] [--save-models DIR] [--batch N] [--max-length N] [--methods a,b]
///        [--ranks 8,16] [--lrs 2e-4] [--full-lr 2e-5] [--lora-ga-lr 2e-5] [--head-lr 1e-3] [--seed N | --seeds 0,1,2] [--train-limit N] [--dev-limit N] [--threads N]
///        [--optimizer adamw,adamw8bit] (every run repeats per optimizer; runs other than AdamW carry the optimizer in their key)
///        [--frozen-precision float32,int8] (every run repeats per frozen-weight arithmetic; int8 runs carry "int8" in their key)
/// </summary>
public static class Program
{
    public static int Main(string[] args)
    {
        var a = new Args(args);
        string data = a.Get("--data", FindShared("data/text/sst2"));
        string outDir = a.Get("--out", Path.Combine(RepoRoot(), "benchmarks", "results", "finetune"));
        if (args.Length > 0 && args[0] == "qbase")
        {
            return QuantizedBaseComparison.Run(args, n => a.Get(n, Path.Combine(outDir, "qbase-init")), a.Int, a.Float, data, outDir);
        }

        int batch = a.Int("--batch", 32);
        float warmup = a.Float("--warmup", 0f);
        string? saveModels = a.Has("--save-models") ? a.Get("--save-models", "") : null;
        int maxLength = a.Int("--max-length", 64);
        bool multiSeed = a.Has("--seeds");
        int[] seeds = multiSeed ? a.Get("--seeds", "0").Split(',').Select(int.Parse).ToArray() : [a.Int("--seed", 0)];
        int trainLimit = a.Int("--train-limit", int.MaxValue);
        int threads = a.Int("--threads", 0);
        int devLimit = a.Int("--dev-limit", int.MaxValue);
        float headLr = a.Float("--head-lr", 1e-3f);
        float fullLr = a.Float("--full-lr", 2e-5f);
        float? loraGaLr = a.Has("--lora-ga-lr") ? a.Float("--lora-ga-lr", 2e-5f) : null;
        MethodSpec[] methods = a.Get("--methods", "Lora,Pissa,MiLora,OLora,Eva,LoraGa,Full").Split(',').Select(MethodSpec.Parse).ToArray();
        OptimizerKind[] optimizers = [.. a.Get("--optimizer", "adamw").Split(',').Select(ParseOptimizer)];
        FrozenWeightPrecision[] precisions = [.. a.Get("--frozen-precision", "float32").Split(',').Select(p => Enum.Parse<FrozenWeightPrecision>(p.Trim(), ignoreCase: true))];
        int[] ranks = a.Get("--ranks", "8,16").Split(',').Select(int.Parse).ToArray();
        float[] lrs = a.Get("--lrs", "2e-4").Split(',').Select(s => float.Parse(s, CultureInfo.InvariantCulture)).ToArray();
        Directory.CreateDirectory(outDir);

        IReadOnlyList<LabeledSentence> train = Sst2Reader.Read(Path.Combine(data, "stsa.binary.train")).Take(trainLimit).ToArray();
        IReadOnlyList<LabeledSentence> dev = Sst2Reader.Read(Path.Combine(data, "stsa.binary.dev")).Take(devLimit).ToArray();
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        OnnxModel encoder = OnnxModelIO.Load(files.ModelPath);
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(files.VocabPath, maxLength);
        int stepsPerEpoch = (train.Count + batch - 1) / batch;
        int steps = a.Has("--epochs") ? (int)Math.Round(a.Float("--epochs", 1) * stepsPerEpoch) : a.Int("--steps", 200);
        Console.WriteLine($"SST-2: {train.Count} train / {dev.Count} dev; {steps} steps × batch {batch} (= {steps * batch / (double)train.Count:F2} epochs), max length {maxLength}, seeds {string.Join(",", seeds)}, {Environment.ProcessorCount} cores");

        string jsonl = Path.Combine(outDir, "results.jsonl");
        List<RunResult> results = File.Exists(jsonl)
            ? File.ReadAllLines(jsonl).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<RunResult>(l)!).ToList()
            : [];
        // seed-major, so that an interrupted multi-seed grid still has every method on the first seeds
        foreach ((int seed, MethodSpec spec, OptimizerKind optimizer, FrozenWeightPrecision precision) in
                 seeds.SelectMany(s => methods.SelectMany(m => optimizers.SelectMany(o => precisions.Select(p => (s, m, o, p))))))
        {
            string optimizerName = OptimizerKinds.Name(optimizer);
            LowRankMethod method = spec.Method;
            IEnumerable<(int Rank, float Lr)> grid = method == LowRankMethod.Full
                ? [(0, fullLr)]
                : ranks.SelectMany(r => (method == LowRankMethod.LoraGa && loraGaLr is float g ? [g] : lrs).Select(lr => (r, lr)));
            foreach ((int rank, float lr) in grid)
            {
                string name = method == LowRankMethod.Full ? "Full" : $"{spec} r{rank}";
                string optimizerKey = (optimizer == OptimizerKind.AdamW ? "" : " " + optimizerName)
                    + (precision == FrozenWeightPrecision.Float32 ? "" : " " + precision.ToString().ToLowerInvariant());
                string key = multiSeed ? $"{name}{optimizerKey} lr{lr:g3} seed{seed}" : $"{name}{optimizerKey} lr{lr:g3}";
                if (results.Any(r => r.Key == key))
                {
                    Console.WriteLine($"{key}: done before, skipped");
                    continue;
                }

                var options = new FineTuneOptions
                {
                    Method = method,
                    Rank = Math.Max(rank, 1),
                    LearningRate = lr,
                    HeadLearningRate = headLr,
                    BatchSize = batch,
                    MaxLength = maxLength,
                    MaxSteps = steps,
                    Schedule = FineTuneSchedule.Linear,
                    WarmupRatio = warmup,
                    Seed = seed,
                    IntraOpThreads = threads,
                    Dora = spec.Dora,
                    RsLora = spec.RsLora,
                    Redistribution = spec.Redistribute ? new RankRedistribution() : null,
                    CalibrationBatches = 8,
                    Optimizer = optimizer,
                    FrozenPrecision = precision,
                };
                Console.WriteLine($"{key}: start {DateTime.UtcNow:HH:mm:ss}");
                var clock = Stopwatch.StartNew();
                try
                {
                    var progress = new InlineProgress(p =>
                    {
                        if (p.Step % 10 == 0 || p.Step <= 5)
                        {
                            Console.WriteLine($"  {key} step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} acc {p.BatchAccuracy:F2} {p.StepsPerSecond:F2} steps/s");
                        }
                    });
                    FineTuneResult r = TextClassifierFineTuning.Train(encoder, tokenizer, train, dev, options, progress);
                    var run = new RunResult(key, name, spec.ToString(), rank, lr, steps, batch, maxLength, seed, r.Losses.ToArray(),
                        r.Validation!.Accuracy, r.Validation.MeanLoss, r.TrainableParameters, r.InitializationSeconds, r.TrainingSeconds, clock.Elapsed.TotalSeconds)
                    {
                        Optimizer = optimizerName,
                        OptimizerStateBytes = r.OptimizerStateBytes,
                        FrozenPrecision = precision.ToString().ToLowerInvariant(),
                    };
                    results.Add(run);
                    if (saveModels is not null)
                    {
                        Directory.CreateDirectory(saveModels);
                        OnnxModelIO.Save(r.Classifier, Path.Combine(saveModels, key.Replace(' ', '_') + ".onnx"));
                    }

                    File.AppendAllText(jsonl, JsonSerializer.Serialize(run) + "\n");
                    Console.WriteLine($"{key}: dev accuracy {run.DevAccuracy:P2}, init {run.InitSeconds:F1} s, train {run.TrainSeconds:F1} s, optimizer state {run.OptimizerStateBytes:N0} B");
                }
                catch (Exception e) when (e is NotSupportedException or InvalidOperationException or ArgumentException or PipelinesException)
                {
                    Console.WriteLine($"{key}: FAILED {e.GetType().Name}: {e.Message}");
                }

                Report.Write(outDir, results);
            }
        }

        Report.Write(outDir, results);
        Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "table.md")));
        return 0;
    }

    private static OptimizerKind ParseOptimizer(string name) => OptimizerKinds.TryParse(name.Trim(), out OptimizerKind kind)
        ? kind
        : throw new ArgumentException($"Unknown optimizer '{name}' ({string.Join(", ", OptimizerKinds.Names)}).");

    private static string RepoRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Pipelines.sln")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? Directory.GetCurrentDirectory();
    }

    private static string FindShared(string relative) => Path.GetFullPath(Path.Combine(RepoRoot(), "..", "shared", relative));

    private sealed class InlineProgress(Action<FineTuneProgress> action) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => action(value);
    }

    private sealed class Args(string[] args)
    {
        public bool Has(string name) => Array.IndexOf(args, name) >= 0;

        public string Get(string name, string fallback)
        {
            int i = Array.IndexOf(args, name);
            return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
        }

        public int Int(string name, int fallback) => int.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);

        public float Float(string name, float fallback) => float.Parse(Get(name, fallback.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture);
    }
}

/// <summary>A method with its variants, e.g. <c>Lora+dora</c> or <c>Pissa+rslora</c>.</summary>
internal sealed record MethodSpec(LowRankMethod Method, bool Dora, bool RsLora, bool Redistribute = false)
{
    public static MethodSpec Parse(string text)
    {
        string[] parts = text.Split('+');
        string[] variants = [.. parts.Skip(1).Select(v => v.ToLowerInvariant())];
        string? unknown = variants.FirstOrDefault(v => v is not ("dora" or "rslora" or "redistribute"));
        return unknown is null
            ? new MethodSpec(Enum.Parse<LowRankMethod>(parts[0]), variants.Contains("dora"), variants.Contains("rslora"), variants.Contains("redistribute"))
            : throw new ArgumentException($"Unknown method variant '{unknown}' in '{text}' (dora, rslora, redistribute).");
    }

    public override string ToString() => Method + (Dora ? "+DoRA" : "") + (RsLora ? "+rsLoRA" : "") + (Redistribute ? "+redistribute" : "");
}

public sealed record RunResult(
    string Key, string Name, string Method, int Rank, float LearningRate, int Steps, int Batch, int MaxLength, int Seed,
    float[] Losses, double DevAccuracy, double DevLoss, long TrainableParameters, double InitSeconds, double TrainSeconds, double WallSeconds)
{
    /// <summary>The optimizer's CLI name (rows written before the option existed are AdamW).</summary>
    public string Optimizer { get; init; } = "adamw";

    /// <summary>Bytes of optimizer state (moments, 8-bit codes and block scales) the train step keeps; 0 in rows written before it was recorded.</summary>
    public long OptimizerStateBytes { get; init; }

    /// <summary>The frozen weights' arithmetic in the train step (rows written before the option existed are float32).</summary>
    public string FrozenPrecision { get; init; } = "float32";

    /// <summary>The run's name with its optimizer (and an int8 frozen base), for legends and tables.</summary>
    public string Label => $"{Name} {Setup}";

    /// <summary>The optimizer, followed by the frozen weights' arithmetic when it is not float32 (e.g. <c>adamw int8</c>).</summary>
    public string Setup => FrozenPrecision == "float32" ? Optimizer : $"{Optimizer} {FrozenPrecision}";
}

internal static class Report
{
    private const int SmoothWindow = 20;

    public static void Write(string outDir, IReadOnlyList<RunResult> results)
    {
        if (results.Count == 0)
        {
            return;
        }

        var sb = new StringBuilder();
        sb.AppendLine("| run | optimizer | lr | loss@5 | loss@50 | mean loss 41–60 | loss@200 | mean loss last 20 | dev acc | init s | train s | wall s | trainable params | optimizer state B |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (RunResult r in results)
        {
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Setup} | {r.LearningRate:g3} | {At(r, 5)} | {At(r, 50)} | {Mean(r, 41, 60)} | {At(r, 200)} | {r.Losses.TakeLast(20).Average():F4} | {r.DevAccuracy:P2} | {r.InitSeconds:F1} | {r.TrainSeconds:F0} | {r.WallSeconds:F0} | {r.TrainableParameters:N0} | {r.OptimizerStateBytes:N0} |");
        }

        File.WriteAllText(Path.Combine(outDir, "table.md"), sb.ToString());
        WriteSummary(outDir, results);
        WriteSpikes(outDir, results);

        using var plot = new ScottPlot.Plot();
        foreach (RunResult r in results)
        {
            double[] xs = Enumerable.Range(1, r.Losses.Length).Select(i => (double)i).ToArray();
            double[] ys = Smooth(r.Losses, SmoothWindow);
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = $"{r.Label} (lr {r.LearningRate:g3}{(r.Seed == 0 ? "" : $", seed {r.Seed}")})";
            line.LineWidth = 1.5f;
            if (r.Setup != "adamw")
            {
                // 8-bit curves lie on top of their AdamW twins; dashed keeps both visible
                line.LinePattern = ScottPlot.LinePattern.Dashed;
            }
        }

        plot.Title($"all-MiniLM-L6-v2 on SST-2: training loss ({SmoothWindow}-step moving average)");
        plot.XLabel("step");
        plot.YLabel("cross-entropy");
        plot.ShowLegend();
        plot.SavePng(Path.Combine(outDir, "loss_curves.png"), 1100, 650);
    }

    // dev accuracy mean ± sample std over the seeds of each (run, lr)
    private static void WriteSummary(string outDir, IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | optimizer | lr | seeds | dev acc mean ± std | per seed | mean loss last 20 | trainable params | optimizer state B |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|");
        foreach (IGrouping<(string Name, string Optimizer, float LearningRate), RunResult> g in results.GroupBy(r => (r.Name, Optimizer: r.Setup, r.LearningRate)))
        {
            double[] acc = [.. g.Select(r => r.DevAccuracy * 100)];
            double mean = acc.Average();
            double std = acc.Length > 1 ? Math.Sqrt(acc.Sum(v => (v - mean) * (v - mean)) / (acc.Length - 1)) : 0;
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {g.Key.Name} | {g.Key.Optimizer} | {g.Key.LearningRate:g3} | {string.Join(",", g.Select(r => r.Seed))} | {mean:F2} ± {std:F2} % | {string.Join(" / ", acc.Select(v => v.ToString("F2", CultureInfo.InvariantCulture)))} | {g.Average(r => r.Losses.TakeLast(20).Average()):F4} | {g.First().TrainableParameters:N0} | {g.First().OptimizerStateBytes:N0} |");
        }

        // each optimizer against AdamW on the same (run, lr): the 8-bit paper's claim is "same accuracy, ~4× less state"
        var adamw = results.Where(r => r.Setup == "adamw").GroupBy(r => (r.Name, r.LearningRate)).ToDictionary(g => g.Key, g => g.ToArray());
        foreach (IGrouping<(string Name, string Optimizer, float LearningRate), RunResult> g in results.Where(r => r.Setup != "adamw").GroupBy(r => (r.Name, Optimizer: r.Setup, r.LearningRate)))
        {
            if (!adamw.TryGetValue((g.Key.Name, g.Key.LearningRate), out RunResult[]? baseline) || baseline[0].OptimizerStateBytes == 0)
            {
                continue;
            }

            double delta = (g.Average(r => r.DevAccuracy) - baseline.Average(r => r.DevAccuracy)) * 100;
            string state = baseline[0].OptimizerStateBytes == g.First().OptimizerStateBytes
                ? ""
                : string.Create(CultureInfo.InvariantCulture, $", optimizer state {baseline[0].OptimizerStateBytes:N0} B ÷ {g.First().OptimizerStateBytes:N0} B = {baseline[0].OptimizerStateBytes / (double)g.First().OptimizerStateBytes:F2}×");
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"\n{g.Key.Name} lr {g.Key.LearningRate:g3}: {g.Key.Optimizer} − adamw dev accuracy {delta:+0.00;-0.00} points (seeds {string.Join(",", g.Select(r => r.Seed))} vs {string.Join(",", baseline.Select(r => r.Seed))}){state}");
        }

        File.WriteAllText(Path.Combine(outDir, "summary.md"), sb.ToString());
    }

    // Loss spikes per run (the Stable-SPAM comparison): a step t ≥ 3 whose batch loss is above ln 2 (chance for two
    // classes) and above 1.5× the median of the (up to) 10 batch losses before it.
    private static void WriteSpikes(string outDir, IReadOnlyList<RunResult> results)
    {
        var sb = new StringBuilder();
        sb.AppendLine("| run | optimizer | lr | seed | steps | loss spikes (steps) | max loss (step) | steps 11+ at loss ≥ ln 2 | mean loss, all steps | mean loss last 20 | dev acc |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (RunResult r in results)
        {
            int[] spikes = [.. Spikes(r.Losses)];
            int maxStep = Array.IndexOf(r.Losses, r.Losses.Max()) + 1;
            string steps = spikes.Length == 0 ? "" : $" ({string.Join(", ", spikes)})";
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {r.Name} | {r.Setup} | {r.LearningRate:g3} | {r.Seed} | {r.Losses.Length} | {spikes.Length}{steps} | {r.Losses.Max():F3} ({maxStep}) | {r.Losses.Skip(10).Count(v => v >= Math.Log(2))} | {r.Losses.Average():F4} | {r.Losses.TakeLast(20).Average():F4} | {r.DevAccuracy:P2} |");
        }

        File.WriteAllText(Path.Combine(outDir, "spikes.md"), sb.ToString());

        // the raw batch losses (a moving average would hide the spikes), spikes marked
        using var plot = new ScottPlot.Plot();
        foreach (RunResult r in results)
        {
            double[] xs = Enumerable.Range(1, r.Losses.Length).Select(i => (double)i).ToArray();
            var line = plot.Add.ScatterLine(xs, [.. r.Losses.Select(v => (double)v)]);
            line.LegendText = $"{r.Label} (lr {r.LearningRate:g3}{(r.Seed == 0 ? "" : $", seed {r.Seed}")})";
            line.LineWidth = 1.2f;
            int[] spikes = [.. Spikes(r.Losses)];
            if (spikes.Length > 0)
            {
                var marks = plot.Add.ScatterPoints(spikes.Select(t => (double)t).ToArray(), spikes.Select(t => (double)r.Losses[t - 1]).ToArray(), line.Color);
                marks.MarkerSize = 9;
            }
        }

        plot.Add.HorizontalLine(Math.Log(2), 1, ScottPlot.Colors.Gray, ScottPlot.LinePattern.Dotted);
        plot.Title("all-MiniLM-L6-v2 on SST-2: batch loss per step (dots: loss spikes; dotted: ln 2, chance)");
        plot.XLabel("step");
        plot.YLabel("cross-entropy");
        plot.ShowLegend();
        plot.SavePng(Path.Combine(outDir, "spikes.png"), 1100, 650);
    }

    /// <summary>The 1-based steps t ≥ 3 with loss_t &gt; ln 2 and loss_t &gt; 1.5 · median(loss_{max(1, t−10)} … loss_{t−1}).</summary>
    public static IEnumerable<int> Spikes(float[] losses)
    {
        const int Window = 10;
        for (int i = 2; i < losses.Length; i++)
        {
            float[] before = [.. losses.Skip(Math.Max(0, i - Window)).Take(Math.Min(i, Window)).Order()];
            double median = before.Length % 2 == 1 ? before[before.Length / 2] : (before[(before.Length / 2) - 1] + before[before.Length / 2]) / 2.0;
            if (losses[i] > Math.Log(2) && losses[i] > 1.5 * median)
            {
                yield return i + 1;
            }
        }
    }

    // steps from..to (1-based, inclusive): one batch's loss is noisy, the window is the fairer "loss near step 50"
    private static string Mean(RunResult r, int from, int to) =>
        r.Losses.Length >= to ? r.Losses.Skip(from - 1).Take(to - from + 1).Average().ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static string At(RunResult r, int step) => r.Losses.Length >= step ? r.Losses[step - 1].ToString("F4", CultureInfo.InvariantCulture) : "–";

    private static double[] Smooth(float[] values, int window)
    {
        double[] result = new double[values.Length];
        for (int i = 0; i < values.Length; i++)
        {
            int from = Math.Max(0, i - window + 1);
            double sum = 0;
            for (int j = from; j <= i; j++)
            {
                sum += values[j];
            }

            result[i] = sum / (i - from + 1);
        }

        return result;
    }
}
