using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Export.QPissa;
using Pipelines.Onnx;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks.FineTuneComparison;

/// <summary>
/// The PiSSA paper's quantized comparison on all-MiniLM-L6-v2 / SST-2: QPiSSA, QLoRA and LoftQ over the block-wise int4
/// base (<see cref="QuantizedBase"/>) against full-precision PiSSA and LoRA. One run per process (<c>qbase --run
/// METHOD RANK SEED</c>) so that its peak RSS (VmHWM) is its own; results are appended to <c>qbase.jsonl</c> and
/// <c>qbase --report</c> writes <c>qbase_table.md</c> and <c>qbase_loss_curves.png</c>. The init of a (method, rank) is
/// seed-independent for PiSSA, QPiSSA and LoftQ and is cached as ONNX under <c>--cache</c>. The float rows CorDA-KPM,
/// CorDA-IPM, Orthogonal, LoRA+rsLoRA, LoRA+DoRA and PiSSA+DoRA run on the same protocol, initialised by fine-tuning
/// itself (as the main mode's <c>--methods</c>).
/// </summary>
internal static class QuantizedBaseComparison
{
    // name → how the run's adapters come about. Quantized = the int4 base (QuantizedBase); InTraining = the float
    // methods that fine-tuning initialises itself (FineTuneModels.Prepare: CorDA's covariance from the first 8 training
    // batches, DoRA's magnitude, rsLoRA's α/√r), the same protocol as the main mode's --methods; the others are
    // initialised here and cached per (method, rank) where the init has no seed.
    private static readonly Dictionary<string, QMethod> s_methods = new(StringComparer.OrdinalIgnoreCase)
    {
        ["LoRA"] = new(MethodSpec.Parse("Lora")),
        ["PiSSA"] = new(MethodSpec.Parse("Pissa")),
        ["QLoRA"] = new(MethodSpec.Parse("Lora"), Quantized: true),
        ["QPiSSA"] = new(MethodSpec.Parse("Pissa"), Quantized: true),
        ["LoftQ"] = new(MethodSpec.Parse("LoftQ"), Quantized: true),
        ["CorDA-KPM"] = new(MethodSpec.Parse("CordaKpm"), InTraining: true),
        ["CorDA-IPM"] = new(MethodSpec.Parse("CordaIpm"), InTraining: true),
        ["Orthogonal"] = new(MethodSpec.Parse("Orthogonal"), InTraining: true),
        ["LoRA+rsLoRA"] = new(MethodSpec.Parse("Lora+rslora"), InTraining: true),
        ["LoRA+DoRA"] = new(MethodSpec.Parse("Lora+dora"), InTraining: true),
        ["PiSSA+DoRA"] = new(MethodSpec.Parse("Pissa+dora"), InTraining: true),
    };

    public static int Run(string[] args, Func<string, string> get, Func<string, int, int> getInt, Func<string, float, float> getFloat, string data, string outDir)
    {
        Directory.CreateDirectory(outDir);
        string jsonl = Path.Combine(outDir, "qbase.jsonl");
        if (Array.IndexOf(args, "--report") >= 0)
        {
            WriteReport(outDir, Read(jsonl));
            Console.WriteLine(File.ReadAllText(Path.Combine(outDir, "qbase_table.md")));
            return 0;
        }

        int i = Array.IndexOf(args, "--run");
        string name = args[i + 1];
        int rank = int.Parse(args[i + 2], CultureInfo.InvariantCulture);
        int seed = int.Parse(args[i + 3], CultureInfo.InvariantCulture);
        if (!s_methods.TryGetValue(name, out QMethod? spec))
        {
            Console.Error.WriteLine($"Unknown qbase method '{name}' ({string.Join(", ", s_methods.Keys)}).");
            return 2;
        }

        name = s_methods.Keys.First(k => string.Equals(k, name, StringComparison.OrdinalIgnoreCase)); // the table's spelling
        (LowRankMethod method, bool quantized) = (spec.Spec.Method, spec.Quantized);
        float lr = getFloat("--lr", FineTuneOptions.Defaults.LearningRate);
        string key = $"{name} r{rank} s{seed} lr{Lr(lr)}";
        if (Read(jsonl).Any(r => r.Name == name && r.Rank == rank && r.Seed == seed && SameLr(r.LearningRate, lr)))
        {
            Console.WriteLine($"{key}: done before, skipped");
            return 0;
        }

        int batch = getInt("--batch", 16);
        int maxLength = getInt("--max-length", 64);
        int trainLimit = getInt("--train-limit", 1600);
        int devLimit = getInt("--dev-limit", int.MaxValue);
        int threads = getInt("--threads", 1);
        int iterations = getInt("--quantizer-iter", LoftQOptions.Defaults.Iterations);
        string cache = get("--cache");
        IReadOnlyList<LabeledSentence> train = Sst2Reader.Read(Path.Combine(data, "stsa.binary.train")).Take(trainLimit).ToArray();
        IReadOnlyList<LabeledSentence> dev = Sst2Reader.Read(Path.Combine(data, "stsa.binary.dev")).Take(devLimit).ToArray();
        PretrainedModelFiles files = PretrainedModels.MiniLm();
        TextEncoderTokenizer tokenizer = TextEncoderTokenizer.FromVocab(files.VocabPath, maxLength);

        // 1. The adapted encoder (float or int4 base), cached per (method, rank) where the init has no seed.
        var clock = Stopwatch.StartNew();
        bool seeded = method == LowRankMethod.Lora;
        string cached = Path.Combine(cache, $"{name}_r{rank}{(seeded ? $"_s{seed}" : "")}.onnx");
        OnnxModel encoder;
        if (spec.InTraining)
        {
            encoder = OnnxModelIO.Load(files.ModelPath); // adapters added by fine-tuning's own initialisation
        }
        else if (File.Exists(cached))
        {
            encoder = OnnxModelIO.Load(cached);
        }
        else
        {
            var options = new LowRankOptions
            {
                Method = method,
                Rank = rank,
                Seed = (ulong)seed,
                QuantizeBase = quantized,
                LoftQ = quantized ? new LoftQOptions { RoundTrip = QuantizedBase.RoundTrip(QuantizedBase.DefaultOptions), Iterations = iterations } : null,
            };
            AdaptedModel adapted = LowRankInitializer.Initialize(OnnxModelIO.Load(files.ModelPath), options);
            encoder = quantized ? QuantizedBase.Quantize(adapted.Model) : adapted.Model;
            Directory.CreateDirectory(cache);
            OnnxModelIO.Save(encoder, cached + ".tmp");
            File.Move(cached + ".tmp", cached, overwrite: true);
        }

        double initSeconds = clock.Elapsed.TotalSeconds;

        // 2. Training: the library's defaults (lr, head lr, schedule), one epoch over the subset.
        var ft = new FineTuneOptions
        {
            Method = method == LowRankMethod.LoftQ ? LowRankMethod.Lora : method, // a pre-adapted encoder carries its adapters; the method only names the run
            Dora = spec.Spec.Dora,
            RsLora = spec.Spec.RsLora,
            Rank = rank,
            BatchSize = batch,
            MaxLength = maxLength,
            Epochs = 1,
            Seed = seed,
            IntraOpThreads = threads,
            LearningRate = lr,
        };
        var stepTimes = new List<double>();
        var stepClock = new Stopwatch();
        var progress = new InlineProgress(p =>
        {
            if (stepClock.IsRunning)
            {
                stepTimes.Add(stepClock.Elapsed.TotalSeconds);
            }

            stepClock.Restart();
            if (p.Step % 10 == 0 || p.Step <= 3)
            {
                Console.WriteLine($"  {key} step {p.Step}/{p.TotalSteps} loss {p.Loss:F4} acc {p.BatchAccuracy:F2}");
            }
        });
        FineTuneResult r = TextClassifierFineTuning.Train(encoder, tokenizer, train, dev, ft, progress);
        if (spec.InTraining)
        {
            initSeconds += r.InitializationSeconds;
        }

        double stepSeconds = stepTimes.Count > 0 ? stepTimes.Skip(Math.Min(2, stepTimes.Count - 1)).Average() : double.NaN;
        var run = new QRun(key, name, rank, seed, ft.LearningRate, ft.HeadLearningRate ?? ft.LearningRate, train.Count, dev.Count, batch, maxLength, threads,
            [.. r.Losses], r.Validation!.Accuracy, r.Validation.MeanLoss, r.TrainableParameters, initSeconds, r.TrainingSeconds, stepSeconds, PeakRssMiB());
        File.AppendAllText(jsonl, JsonSerializer.Serialize(run) + "\n");
        Console.WriteLine($"{key}: dev accuracy {run.DevAccuracy:P2}, step {run.StepSeconds:F2} s, peak RSS {run.PeakRssMiB:F0} MiB");
        return 0;
    }

    // the key prints lr with 3 significant digits; rows compare on that
    private static bool SameLr(float a, float b) => Math.Abs(a - b) <= 1e-3f * Math.Max(a, b);

    private static string Lr(float lr) => lr.ToString("g3", CultureInfo.InvariantCulture);

    // VmHWM: this process's peak resident set (one run per process)
    private static double PeakRssMiB()
    {
        string? line = File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
    }

    private static List<QRun> Read(string jsonl) => File.Exists(jsonl)
        ? [.. File.ReadAllLines(jsonl).Where(l => l.Length > 0).Select(l => JsonSerializer.Deserialize<QRun>(l)!)]
        : [];

    private static void WriteReport(string outDir, IReadOnlyList<QRun> runs)
    {
        string[] order = [.. s_methods.Keys];
        // one cell per (method, rank, lr); the main table takes per (method, rank) the lr with the best mean dev accuracy
        // among the lrs run on the most seeds (so that a lucky single seed never wins the grid)
        List<QRun[]> cells = [.. runs.GroupBy(r => (r.Name, r.Rank, Lr: Lr(r.LearningRate)))
            .OrderBy(g => g.Key.Rank).ThenBy(g => Array.IndexOf(order, g.Key.Name)).ThenBy(g => g.First().LearningRate)
            .Select(g => g.OrderBy(r => r.Seed).ToArray())];
        List<QRun[]> best = [.. cells.GroupBy(c => (c[0].Name, c[0].Rank))
            .Select(g => g.Where(c => c.Length == g.Max(x => x.Length)).MaxBy(c => c.Average(r => r.DevAccuracy))!)];

        var sb = new StringBuilder();
        sb.AppendLine("Best learning rate per method and rank (mean dev accuracy over seeds, among the lrs run on the most seeds):");
        sb.AppendLine();
        Table(sb, best, cells);
        sb.AppendLine();
        sb.AppendLine("Every learning rate:");
        sb.AppendLine();
        Table(sb, cells, cells);
        sb.AppendLine();
        sb.AppendLine(CultureInfo.InvariantCulture, $"Loss: mean over seeds of the 5-step window ending at that step. Head lr {string.Join(", ", runs.Select(r => Lr(r.HeadLearningRate)).Distinct())}. Runs: {string.Join(", ", runs.Select(r => $"{r.Name} r{r.Rank} s{r.Seed} lr{Lr(r.LearningRate)}"))}.");
        File.WriteAllText(Path.Combine(outDir, "qbase_table.md"), sb.ToString());

        using var plot = new ScottPlot.Plot();
        foreach (QRun[] g in best)
        {
            int n = g.Min(r => r.Losses.Length);
            double[] xs = [.. Enumerable.Range(1, n).Select(i => (double)i)];
            double[] ys = [.. Enumerable.Range(0, n).Select(i => g.Average(r => Window(r.Losses, i, 10)))];
            var line = plot.Add.ScatterLine(xs, ys);
            line.LegendText = $"{g[0].Name} r{g[0].Rank} lr {Lr(g[0].LearningRate)}";
            line.LineWidth = 1.5f;
        }

        plot.Title("all-MiniLM-L6-v2 on SST-2 (subset): training loss, int4 vs float base (best lr; 10-step mean, mean over seeds)");
        plot.XLabel("step");
        plot.YLabel("cross-entropy");
        plot.ShowLegend();
        plot.SavePng(Path.Combine(outDir, "qbase_loss_curves.png"), 1100, 650);
    }

    private static void Table(StringBuilder sb, IEnumerable<QRun[]> rows, IReadOnlyList<QRun[]> cells)
    {
        sb.AppendLine("| method | r | lr | lrs tried | seeds | loss@25 | loss@50 | loss@100 | dev acc (mean ± sd) | step s | peak RSS MiB |");
        sb.AppendLine("|---|---|---|---|---|---|---|---|---|---|---|");
        foreach (QRun[] g in rows)
        {
            double[] acc = [.. g.Select(r => r.DevAccuracy)];
            double mean = acc.Average();
            double sd = acc.Length > 1 ? Math.Sqrt(acc.Sum(a => (a - mean) * (a - mean)) / (acc.Length - 1)) : 0;
            int tried = cells.Count(c => c[0].Name == g[0].Name && c[0].Rank == g[0].Rank);
            sb.AppendLine(CultureInfo.InvariantCulture,
                $"| {g[0].Name} | {g[0].Rank} | {Lr(g[0].LearningRate)} | {tried} | {acc.Length} | {LossAt(g, 25)} | {LossAt(g, 50)} | {LossAt(g, 100)} | {mean:P2} ± {sd:P2} | {g.Average(r => r.StepSeconds):F2} | {g.Average(r => r.PeakRssMiB):F0} |");
        }
    }

    private static string LossAt(IEnumerable<QRun> runs, int step)
    {
        QRun[] have = [.. runs.Where(r => r.Losses.Length >= step)];
        return have.Length == 0 ? "–" : have.Average(r => Window(r.Losses, step - 1, 5)).ToString("F4", CultureInfo.InvariantCulture);
    }

    private static double Window(float[] losses, int index, int width)
    {
        int from = Math.Max(0, index - width + 1);
        return losses.Skip(from).Take(index - from + 1).Average();
    }

    private sealed class InlineProgress(Action<FineTuneProgress> action) : IProgress<FineTuneProgress>
    {
        public void Report(FineTuneProgress value) => action(value);
    }
}

/// <summary>A qbase row: the method with its variants (the main mode's <see cref="MethodSpec"/>), on the int4 base or not, initialised here or by fine-tuning itself.</summary>
internal sealed record QMethod(MethodSpec Spec, bool Quantized = false, bool InTraining = false);

internal sealed record QRun(
    string Key, string Name, int Rank, int Seed, float LearningRate, float HeadLearningRate, int TrainRows, int DevRows, int Batch, int MaxLength, int Threads,
    float[] Losses, double DevAccuracy, double DevLoss, long TrainableParameters, double InitSeconds, double TrainSeconds, double StepSeconds, double PeakRssMiB);
