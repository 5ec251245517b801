using System.Diagnostics;
using System.Globalization;
using Pipelines.Onnx;
using Pipelines.Onnx.Adapters;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;
using Pipelines.Trainers.TextClassification;
using Pipelines.Transforms.LowRank;

namespace Pipelines.Benchmarks;

/// <summary>
/// One MiniLM LoRA train step as ref_train.py's minilm workload does it: LoRA r = 8 on all 36 MatMuls, masked mean pooling
/// and a linear head, cross-entropy, AdamW on adapters and head; batch 16, sequence 64, last 16 positions masked. Run in a
/// child process of its own so that its peak RSS (VmHWM) is this configuration's alone; prints one JSON line.
/// </summary>
internal static class MiniLmStep
{
    public const int Batch = 16;
    public const int Seq = 64;

    public static int Run(string[] args)
    {
        int threads = IntArg(args, "--threads", 1);
        int steps = IntArg(args, "--steps", 10);
        int batch = IntArg(args, "--batch", Batch);
        FrozenWeightPrecision precision = StringArg(args, "--precision") == "int8" ? FrozenWeightPrecision.Int8 : FrozenWeightPrecision.Float32;
        var stages = new List<(string Stage, long RssMb)> { ("start", MemoryProbe.RssMb()) };
        var managed = new List<(string Stage, long LiveMb, long CommittedMb)>();
        void Stage(string name)
        {
            stages.Add((name, MemoryProbe.RssMb()));
            GCMemoryInfo info = GC.GetGCMemoryInfo();
            managed.Add((name, GC.GetTotalMemory(false) / 1048576, info.TotalCommittedBytes / 1048576));
            if (args.Contains("--mappings"))
            {
                MemoryProbe.PrintMappings(name);
            }
        }


        var clock = new Stopwatch();
        (TrainingGraph graph, long frozenBytes) = BuildGraph(args, precision, clock, Stage);
        double buildSeconds = clock.Elapsed.TotalSeconds;
        if (args.Contains("--mappings"))
        {
            // weight arrays the graph's models hold: distinct arrays (by reference) and their MB
            var arrays = new HashSet<byte[]>(ReferenceEqualityComparer.Instance);
            foreach (OnnxTensor t in graph.Forward.Graph.Initializers.Concat(graph.TrainStep.Graph.Initializers))
            {
                arrays.Add(t.RawData);
            }

            Console.Error.WriteLine($"graph weight arrays: {arrays.Count}, {arrays.Sum(a => (long)a.Length) / 1048576} MB; forward {graph.Forward.Graph.Initializers.Sum(t => (long)t.RawData.Length) / 1048576} MB, step {graph.TrainStep.Graph.Initializers.Sum(t => (long)t.RawData.Length) / 1048576} MB");
        }

        Stage("graph built");
        GC.Collect();
        Stage("after GC");

        var shapes = new Dictionary<string, long[]>
        {
            ["input_ids"] = [batch, Seq],
            ["attention_mask"] = [batch, Seq],
            ["token_type_ids"] = [batch, Seq],
            ["labels"] = [batch],
        };
        clock.Restart();
        using var trainer = new Trainer(graph, new TrainerOptions
        {
            BatchShapes = shapes,
            Schedule = new ConstantSchedule(5e-4),
            Session = new SessionSettings
            {
                IntraOpThreads = threads,
                InterOpThreads = 1,
                CpuMemoryArena = !args.Contains("--no-arena"),
                MemoryPattern = args.Contains("--memory-pattern"),
                ExactArenaGrowth = args.Contains("--exact-arena"),
                ProfilePrefix = StringArg(args, "--profile"),
                OptimizedModelPath = StringArg(args, "--dump-optimized"),
                ConfigEntries = ConfigEntries(args),
                PrepackWeights = !args.Contains("--no-prepack"),
            },
            ShrinkArenaAfterStep = args.Contains("--shrink-arena"),
        });
        double sessionSeconds = clock.Elapsed.TotalSeconds;
        Stage("session created");

        var rng = new Random(2);
        TrainingBatch b = trainer.Batch;
        Span<long> ids = b.Get<long>("input_ids");
        Span<long> mask = b.Get<long>("attention_mask");
        for (int i = 0; i < ids.Length; i++)
        {
            ids[i] = rng.Next(1000, 30000);
            mask[i] = i % Seq < 48 ? 1 : 0;
        }

        if (graph.BatchInputs.Any(v => v.Name == "token_type_ids"))
        {
            b.Get<long>("token_type_ids").Clear();
        }

        Span<long> labels = b.Get<long>("labels");
        for (int i = 0; i < labels.Length; i++)
        {
            labels[i] = rng.Next(2);
        }

        double first = trainer.TrainStep();
        Stage("first step");
        trainer.TrainStep();
        clock.Restart();
        for (int s = 0; s < steps; s++)
        {
            trainer.TrainStep();
        }

        double ms = clock.Elapsed.TotalMilliseconds / steps;
        Stage("after steps");
        long trainableBytes = graph.Parameters.Sum(p => (long)p.Initial.RawData.Length);
        var inv = CultureInfo.InvariantCulture;
        string managedJson = string.Join(", ", managed.Select(s => $"\"{s.Stage}\": [{s.LiveMb}, {s.CommittedMb}]"));
        string stageJson = string.Join(", ", stages.Select(s => $"\"{s.Stage}\": {s.RssMb}"));
        Console.WriteLine(string.Create(inv,
            $"{{\"workload\": \"minilm-lora-r8-b{batch}-t{Seq}\", \"precision\": \"{precision}\", \"threads\": {threads}, \"steps\": {steps}, " +
            $"\"ms_per_step\": {ms:F1}, \"peak_rss_mb\": {MemoryProbe.PeakRssMb()}, \"loss_first\": {first:F4}, \"loss_last\": {trainer.LastLoss:F4}, " +
            $"\"build_s\": {buildSeconds:F1}, \"session_s\": {sessionSeconds:F1}, \"nodes\": {graph.TrainStep.Graph.Nodes.Count}, " +
            $"\"frozen_float_mb\": {frozenBytes / 1048576.0:F1}, \"trainable_mb\": {trainableBytes / 1048576.0:F2}, " +
            $"\"optimizer_state_mb\": {graph.OptimizerStateBytes / 1048576.0:F2}, \"ping_pong_sets_mb\": {2 * (trainableBytes + graph.OptimizerStateBytes) / 1048576.0:F2}, " +
            $"\"step_arena_mb\": {stages.First(st => st.Stage == "after steps").RssMb - stages.First(st => st.Stage == "session created").RssMb}, " +
            $"\"rss_mb\": {{{stageJson}}}, \"managed_live_committed_mb\": {{{managedJson}}}}}"));
        if (StringArg(args, "--dump-optimized") is { } optimized)
        {
            // op histogram of the graph ORT runs after its fusions, e.g. to see whether LayerNorm/GELU/attention patterns fused
            OnnxModel o = OnnxModelIO.Load(optimized);
            foreach (IGrouping<string, OnnxNode> g in o.Graph.Nodes.GroupBy(n => (n.Domain.Length > 0 ? n.Domain + "::" : "") + n.OpType).OrderByDescending(g => g.Count()))
            {
                Console.Error.WriteLine($"  optimized {g.Key,-40} {g.Count(),6}");
            }
        }

        if (StringArg(args, "--profile") is { } prefix)
        {
            trainer.Dispose(); // ORT writes the profile when the session closes
            string title = string.Create(CultureInfo.InvariantCulture, $"MiniLM LoRA r8 train step, batch {batch}, seq {Seq}, {precision}, {threads} thread{(threads == 1 ? "" : "s")}{(args.Contains("--checkpoint-blocks") ? ", activation checkpointing" : "")}");
            ProfileReport.Write(prefix, graph, 2, title, threads, StringArg(args, "--profile-out"));
        }

        return 0;
    }

    // the classifier is built and handed to the graph builder in a method of its own, so that nothing of this method keeps
    // it (a hidden copy of a returned tuple would keep a second copy of every weight alive)
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (TrainingGraph Graph, long FrozenBytes) BuildGraph(string[] args, FrozenWeightPrecision precision, Stopwatch clock, Action<string> stage)
    {
        (OnnxModel classifier, long frozenBytes) = Prepare();
        string[] trainables = [.. AdapterGraphEntry.Read(classifier).SelectMany(a => new[] { a.LoraA, a.LoraB }), ClassifierGraph.HeadWeight, ClassifierGraph.HeadBias];
        stage("model loaded");
        clock.Restart();
        TrainingGraph graph = TrainingGraphBuilder.Build(classifier, new TrainingGraphOptions
        {
            Loss = new CrossEntropyLoss(ClassifierGraph.LogitsOutput),
            Trainables = trainables,
            Optimizer = new AdamWOptimizer(),
            FrozenWeights = precision,
            FuseFrozenTransposes = !args.Contains("--materialize-transposes"),
            FlatOptimizerUpdate = !args.Contains("--per-tensor-optimizer"),
            ActivationCheckpointing = args.Contains("--checkpoint-blocks") ? ActivationCheckpointing.TransformerBlocks : ActivationCheckpointing.None,
        });
        return (graph, frozenBytes);
    }

    // in a method of its own so that the encoder and the adapted copy are unreachable once it returns (tier-0 code keeps
    // every local of a method alive until the method ends)
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.NoInlining)]
    private static (OnnxModel Classifier, long FrozenBytes) Prepare()
    {
        OnnxModel encoder = OnnxModelIO.Load(PretrainedModels.MiniLm().ModelPath);
        long frozenBytes = encoder.Graph.Initializers.Where(t => t.ElementType == TensorElementType.Float).Sum(t => (long)t.RawData.Length);
        AdaptedModel lora = LowRankInitializer.Initialize(encoder, new LowRankOptions { Method = LowRankMethod.Lora, Rank = 8, Alpha = 16, Seed = 1 });
        return (ClassifierGraph.AddHead(lora.Model, new ClassifierHeadOptions { ClassCount = 2, Pooling = PoolingMode.Mean }), frozenBytes);
    }

    // every "--config key=value" pair: ORT session configuration entries (e.g. session.disable_prepacking=1)
    private static Dictionary<string, string> ConfigEntries(string[] args)
    {
        var entries = new Dictionary<string, string>(StringComparer.Ordinal);
        for (int i = 0; i + 1 < args.Length; i++)
        {
            if (args[i] == "--config" && args[i + 1].Split('=', 2) is [string key, string value])
            {
                entries[key] = value;
            }
        }

        return entries;
    }

    public static int IntArg(string[] args, string name, int fallback)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }

    public static string? StringArg(string[] args, string name)
    {
        int i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
    }
}

/// <summary>Resident set size of this process from /proc/self/status (Linux; 0 elsewhere).</summary>
internal static class MemoryProbe
{
    public static long RssMb() => Read("VmRSS:");

    public static long PeakRssMb() => Read("VmHWM:");

    /// <summary>The largest resident mappings of /proc/self/smaps (by file or [anon]), to stderr.</summary>
    public static void PrintMappings(string stage)
    {
        const string Smaps = "/proc/self/smaps";
        if (!File.Exists(Smaps))
        {
            return;
        }

        var byName = new Dictionary<string, long>(StringComparer.Ordinal);
        string current = "";
        foreach (string line in File.ReadLines(Smaps))
        {
            string[] parts = line.Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length > 0 && parts[0].Contains('-', StringComparison.Ordinal) && !parts[0].EndsWith(':'))
            {
                current = parts.Length >= 6 ? parts[5] : "[anon]";
            }
            else if (parts.Length >= 2 && parts[0] == "Rss:")
            {
                byName[current] = byName.GetValueOrDefault(current) + long.Parse(parts[1], CultureInfo.InvariantCulture);
            }
        }

        Console.Error.WriteLine($"mappings at {stage}: " + string.Join(", ", byName.OrderByDescending(kv => kv.Value).Take(8).Select(kv => $"{Path.GetFileName(kv.Key)} {kv.Value / 1024} MB")));
    }

    private static long Read(string key)
    {
        const string Status = "/proc/self/status";
        if (!File.Exists(Status))
        {
            return 0;
        }

        string? line = File.ReadLines(Status).FirstOrDefault(l => l.StartsWith(key, StringComparison.Ordinal));
        return line is null ? 0 : long.Parse(line[key.Length..].Trim().Split(' ')[0], CultureInfo.InvariantCulture) / 1024;
    }
}
