using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelines.Onnx;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;

namespace Pipelines.Benchmarks.OptimizerState;

/// <summary>
/// The optimizer update's own cost at full-fine-tuning size: one trainable matrix W [384, N] (N·384 ≈ the requested
/// element count; 22.7 M = all-MiniLM-L6-v2) under a one-row linear model, logits = x·W [1, N], so the forward and
/// backward passes are a few passes over W and the step time is dominated by the update. Every optimizer runs the same
/// steps in one process at one intra-op thread; prints ms/step (min and median over the timed steps after two warm-up
/// steps) and the ratio to AdamW; with a profile prefix, ORT's per-op profile summed by op type for each optimizer.
/// Usage: OptimizerState update [elements=22700000] [steps=8] [profile-prefix]
/// </summary>
internal static class UpdateCost
{
    public static void Run(string[] args)
    {
        CultureInfo inv = CultureInfo.InvariantCulture;
        long elements = args.Length > 1 ? long.Parse(args[1], inv) : 22_700_000;
        int steps = args.Length > 2 ? int.Parse(args[2], inv) : 8;
        string? profile = args.Length > 3 ? args[3] : null;
        const int K = 384;
        int n = (int)((elements + K - 1) / K);
        Console.WriteLine(string.Create(inv, $"update cost: W [{K}, {n}] = {(long)K * n:N0} trained values, {steps} timed steps after 2 warm-up steps, 1 intra-op thread"));
        var optimizers = new (string Name, Optimizer Optimizer)[]
        {
            ("adamw", new AdamWOptimizer()),
            ("adamw8bit", new AdamW8BitOptimizer()),
            ("stable-spam", new StableSpamOptimizer()),
        };
        double baseline = 0;
        foreach ((string name, Optimizer optimizer) in optimizers)
        {
            TrainingGraph graph = TrainingGraphBuilder.Build(Linear(K, n), new TrainingGraphOptions
            {
                Loss = new CrossEntropyLoss("logits"),
                Trainables = ["W"],
                Optimizer = optimizer,
            });
            string? prefix = profile is null ? null : $"{profile}-{name}";
            var session = SessionSettings.Default with { IntraOpThreads = 1, ProfilePrefix = prefix };
            var times = new List<double>();
            using (var trainer = new Trainer(graph, new TrainerOptions { Schedule = new ConstantSchedule(1e-3), Session = session }))
            {
                Span<float> x = trainer.Batch.Get<float>("x");
                for (int i = 0; i < K; i++)
                {
                    x[i] = (float)Math.Sin(i);
                }

                trainer.Batch.Get<long>("labels")[0] = 3;
                for (int s = 0; s < steps + 2; s++)
                {
                    var sw = Stopwatch.StartNew();
                    trainer.TrainStep();
                    if (s >= 2)
                    {
                        times.Add(sw.Elapsed.TotalMilliseconds);
                    }
                }
            }

            times.Sort();
            double min = times[0], median = times[times.Count / 2];
            baseline = name == "adamw" ? min : baseline;
            Console.WriteLine(string.Create(inv, $"{name,-12} min {min,8:F1} ms/step  median {median,8:F1} ms/step  min ÷ adamw min {min / baseline,5:F2}×  state {graph.OptimizerStateBytes,13:N0} B"));
            if (prefix is not null)
            {
                PrintProfile(prefix, steps + 2);
            }
        }
    }

    private static OnnxModel Linear(int k, int n)
    {
        var rng = new Random(7);
        float[] w = new float[(long)k * n];
        for (long i = 0; i < w.LongLength; i++)
        {
            w[i] = (float)(((rng.NextDouble() * 2) - 1) * 0.05);
        }

        var b = new GraphBuilder("linear");
        string x = b.Input("x", TensorElementType.Float, 1, k);
        string logits = b.Op("MatMul", x, b.Initializer(OnnxTensor.FromFloats("W", w, k, n)));
        b.Output(logits, "logits", TensorType.Of(TensorElementType.Float, 1, n));
        return b.ToModel();
    }

    // ORT writes <prefix>_<date>.json in the working folder: sum the node events' durations by op type, per step
    private static void PrintProfile(string prefix, int steps)
    {
        string dir = Path.GetDirectoryName(Path.GetFullPath(prefix))!;
        string? file = Directory.GetFiles(dir, Path.GetFileName(prefix) + "_*.json").OrderByDescending(File.GetLastWriteTimeUtc).FirstOrDefault();
        if (file is null)
        {
            Console.WriteLine($"  (no profile file for {prefix})");
            return;
        }

        var byOp = new Dictionary<string, (double Us, int Count)>();
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllText(file));
        foreach (JsonElement e in doc.RootElement.EnumerateArray())
        {
            if (e.TryGetProperty("cat", out JsonElement cat) && cat.GetString() == "Node"
                && e.TryGetProperty("args", out JsonElement a) && a.TryGetProperty("op_name", out JsonElement op)
                && e.GetProperty("name").GetString()!.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                (double us, int count) = byOp.GetValueOrDefault(op.GetString()!);
                byOp[op.GetString()!] = (us + e.GetProperty("dur").GetDouble(), count + 1);
            }
        }

        foreach ((string op, (double us, int count)) in byOp.OrderByDescending(p => p.Value.Us).Take(12))
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {op,-22} {us / 1000 / steps,9:F1} ms/step  ({count / steps} nodes)"));
        }

        Console.WriteLine($"  profile: {file}");
    }
}
