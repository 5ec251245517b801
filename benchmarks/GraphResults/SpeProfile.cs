// Where an SPE training epoch goes: `dotnet run -c Release --project benchmarks/GraphResults -- profile [task=cycles|zinc] [pe=spe] [epochs=3] [spe=bn-mean] [out=-]`
// at 1 intra-op thread. Managed stopwatches time the encoding precomputation, the batch preparation of one epoch
// (GraphBatch.Create, OrtValue creation included) and the validation pass (session creation + predictions); ORT's
// profiler (PIPELINES_ORT_PROFILE) times every kernel of the train step, summed per op type and per node.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Pipelines.Onnx.Runtime;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;

internal static class SpeProfile
{
    public static void Run(string[] args, Func<string, string> findShared)
    {
        string task = args.Length > 1 ? args[1] : "cycles";
        string pe = args.Length > 2 ? args[2] : "spe";
        int epochs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 3;
        string speMode = args.Length > 4 ? args[4] : "bn-mean";
        string? outPath = args.Length > 5 && args[5] != "-" ? args[5] : null;
        var report = new StringBuilder();
        void Line(string s)
        {
            Console.WriteLine(s);
            report.AppendLine(s);
        }

        (List<Graph> train, List<Graph> valid, GraphSchema schema, GineOptions backbone, GraphLoss loss, int k) = task switch
        {
            "cycles" => Cycles(),
            "zinc" => Zinc(findShared),
            _ => throw new ArgumentException($"profile: unknown task '{task}' (cycles|zinc)"),
        };
        GraphEncoding enc = GraphEncoding.Create(Enum.Parse<GraphEncodingKind>(pe, ignoreCase: true), k, 1);
        if (enc is SpeEncoding s)
        {
            enc = s with { Options = s.SpeOptions with { Normalization = speMode.StartsWith("bn", StringComparison.Ordinal) ? SpeNormalization.BatchNorm : SpeNormalization.None, ColumnReduction = speMode.EndsWith("mean", StringComparison.Ordinal) ? SpeColumnReduction.Mean : SpeColumnReduction.Sum } };
        }

        var def = new GraphModelDefinition(schema, backbone, enc, loss);
        Line($"# SPE training profile: task={task} pe={pe} spe={speMode} epochs={epochs} threads=1 train={train.Count} valid={valid.Count} backbone={backbone.HiddenSize}x{backbone.Layers} layout={backbone.MessagePassing}/{backbone.SpeLayout} cores={Environment.ProcessorCount} load={Load()}");
        Line($"# command: dotnet run -c Release --project benchmarks/GraphResults -- profile {task} {pe} {epochs} {speMode}");

        var watch = Stopwatch.StartNew();
        PrecomputedEncoding[] trainEnc = PrecomputedEncoding.ComputeMany(train, enc);
        PrecomputedEncoding[] validEnc = PrecomputedEncoding.ComputeMany(valid, enc);
        Line($"encoding precompute (train+valid, once per run): {watch.Elapsed.TotalSeconds:F2} s");
        if (enc is SpeEncoding)
        {
            Line($"spectrum sizes: mean d = {trainEnc.Average(e => e.Spectrum!.Count):F1}, max d = {trainEnc.Max(e => e.Spectrum!.Count)}; mean n = {train.Average(g => g.NodeCount):F1}, max n = {train.Max(g => g.NodeCount)}");
        }

        // one epoch of batch preparation, as the train step sees it (shuffled batches of 32)
        int[] order = [.. Enumerable.Range(0, train.Count)];
        new Random(1).Shuffle(order);
        // three passes; the last (JIT warm) is reported, in CPU time
        double prepMs = 0, bindMs = 0, prepCpuMs = 0;
        long padded = 0, pairs = 0;
        for (int pass = 0; pass < 3; pass++)
        {
            prepMs = bindMs = 0;
            padded = pairs = 0;
            TimeSpan cpuPrep = Process.GetCurrentProcess().TotalProcessorTime;
            for (int start = 0; start < order.Length; start += 32)
            {
                int[] idx = order[start..Math.Min(order.Length, start + 32)];
                watch.Restart();
                using GraphBatch batch = GraphBatch.Create([.. idx.Select(i => train[i])], [.. idx.Select(i => trainEnc[i])], def, withTargets: true);
                prepMs += watch.Elapsed.TotalMilliseconds;
                watch.Restart();
                _ = batch.Tensors.GetValues(batch.Tensors.Names);
                bindMs += watch.Elapsed.TotalMilliseconds;
                int nMax = idx.Max(i => train[i].NodeCount);
                padded += (long)idx.Length * nMax * nMax;
                pairs += idx.Sum(i => (long)train[i].NodeCount * train[i].NodeCount);
            }

            prepCpuMs = (Process.GetCurrentProcess().TotalProcessorTime - cpuPrep).TotalMilliseconds;
        }

        int steps = (order.Length + 31) / 32;
        Line($"batch preparation, one epoch ({steps} steps, 3rd pass): {prepCpuMs:F0} ms process CPU; wall: GraphBatch.Create {prepMs:F0} ms, OrtValue creation {bindMs:F0} ms; SPE pairs per epoch padded B·N² = {padded}, real Σn² = {pairs} ({(double)padded / pairs:F2}x)");

        // training with ORT's profiler on every session
        string dir = Path.Combine(Path.GetTempPath(), $"spe-profile-{Environment.ProcessId}");
        Directory.CreateDirectory(dir);
        Environment.SetEnvironmentVariable(OrtSessions.ProfileVariable, Path.Combine(dir, "ort"));
        var epochTimes = new List<double>();
        var epochWatch = Stopwatch.StartNew();
        var total = Stopwatch.StartNew();
        TimeSpan cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
        GraphModel model = GraphTrainer.Train(def, new GraphSplit(train, trainEnc), new GraphSplit(valid, validEnc), new GraphTrainerOptions(Epochs: epochs, Seed: 1, Threads: 1), new Progress(_ =>
        {
            epochTimes.Add(epochWatch.Elapsed.TotalSeconds);
            epochWatch.Restart();
        }));
        double trainSeconds = total.Elapsed.TotalSeconds;
        double trainCpu = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
        Environment.SetEnvironmentVariable(OrtSessions.ProfileVariable, null);
        Line($"training, {epochs} epochs (profiler on): {trainSeconds:F1} s wall, {trainCpu:F1} s process CPU; per epoch (train steps + validation) {string.Join(", ", epochTimes.Select(t => t.ToString("F1", CultureInfo.InvariantCulture)))} s");

        // validation pass alone: session creation + predictions (no profiler)
        var settings = new SessionSettings { IntraOpThreads = 1 };
        watch.Restart();
        using (var predictor = new GraphPredictor(model, settings))
        {
            double create = watch.Elapsed.TotalMilliseconds;
            watch.Restart();
            _ = predictor.Predict(valid, validEnc);
            Line($"validation pass (per epoch, profiler off): session creation {create:F0} ms, predictions {watch.Elapsed.TotalMilliseconds:F0} ms");
        }

        // the profiles: the training session is the one with the most model_run time
        var sessions = Directory.GetFiles(dir, "*.json").Select(Summarise).OrderByDescending(p => p.RunMs).ToList();
        double evalRun = sessions.Skip(1).Sum(p => p.RunMs);
        Line($"ORT sessions profiled: {sessions.Count} (1 train step + {sessions.Count - 1} validation); validation sessions' model_run total {evalRun:F0} ms");
        Profile t = sessions[0];
        double kernels = t.Ops.Values.Sum(o => o.Ms);
        Line($"train step: {t.Runs} runs, model_run {t.RunMs:F0} ms ({t.RunMs / Math.Max(1, t.Runs):F1} ms/step), kernels {kernels:F0} ms ({100 * kernels / t.RunMs:F0}% of model_run), {t.NodeCount} nodes, {t.KernelCalls / Math.Max(1, t.Runs)} kernel calls/step");
        Line($"managed time outside ORT's train runs: {(trainSeconds * 1000) - t.RunMs - evalRun:F0} ms over {epochs} epochs (batch preparation, validation session creation, the engine)");
        double rank4 = t.Nodes.Values.Where(n => n.Shape.Count(ch => ch == ',') >= 3 && n.Shape.StartsWith("[{", StringComparison.Ordinal)).Sum(n => n.Ms);
        Line($"kernels with a rank-4 output (SPE's φ (B,m,K,h), W (B,m,N,N) and ρ over (B,N,N,c) pairs, forward and backward): {rank4:F0} ms = {100 * rank4 / kernels:F0}% of kernel time");
        Line("");
        Line("| op type | ms | % of kernels | calls/step | µs/call |");
        Line("|---|---|---|---|---|");
        foreach ((string op, (double ms, long calls)) in t.Ops.OrderByDescending(o => o.Value.Ms))
        {
            Line($"| {op} | {ms:F0} | {100 * ms / kernels:F1} | {calls / (double)t.Runs:F0} | {1000 * ms / calls:F0} |");
        }

        Line("");
        Line("top 30 nodes:");
        Line("| node | op | ms | % | output shape (last run) |");
        Line("|---|---|---|---|---|");
        foreach ((string node, (string op, double ms, string shape)) in t.Nodes.OrderByDescending(n => n.Value.Ms).Take(30))
        {
            Line($"| {node} | {op} | {ms:F0} | {100 * ms / kernels:F1} | {shape} |");
        }

        if (outPath is not null)
        {
            Pipelines.Onnx.AtomicFile.WriteAllText(outPath, report.ToString());
        }

        Directory.Delete(dir, recursive: true);
    }

    /// <summary>
    /// `speed [cycles|zinc|nci109] [epochs]`: process CPU seconds and wall seconds per training epoch (validation included) for each
    /// encoding configuration, in one process at 1 intra-op thread; CPU time is the figure to compare on a loaded machine.
    /// </summary>
    public static void Speed(string[] args, Func<string, string> findShared)
    {
        string task = args.Length > 1 ? args[1] : "cycles";
        int epochs = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
        string[] configs = (args.Length > 3 ? args[3] : "none,rwse,spe:none,spe:bn-mean,spe:bn-mean:blocks").Split(',');
        (List<Graph> train, List<Graph> valid, GraphSchema schema, GineOptions backbone, GraphLoss loss, int k) = task switch
        {
            "zinc" => Zinc(findShared),
            "nci109" => Nci109(findShared),
            _ => Cycles(),
        };
        Console.WriteLine($"# speed: task={task} epochs={epochs} threads=1 train={train.Count} valid={valid.Count} cores={Environment.ProcessorCount} load={Load()}");
        Console.WriteLine($"# command: dotnet run -c Release --project benchmarks/GraphResults -- speed {task} {epochs} {string.Join(",", configs)}");
        Console.WriteLine("| config | CPU s/epoch (epochs 2..) | wall s/epoch | CPU × none | CPU s, epoch 1 with setup |");
        Console.WriteLine("|---|---|---|---|---|");
        double? noneCpu = null;
        foreach (string config in configs)
        {
            // a trailing ":bucketed" groups graphs of similar size into batches (GraphBatching.SizeBucketed) instead of the shuffled order
            bool bucketed = config.EndsWith(":bucketed", StringComparison.Ordinal);
            string[] parts = (bucketed ? config[..^":bucketed".Length] : config).Split(':');
            GraphEncoding enc = GraphEncoding.Create(Enum.Parse<GraphEncodingKind>(parts[0], ignoreCase: true), k, 1);
            GineOptions bb = backbone;
            if (enc is SpeEncoding s)
            {
                string mode = parts.Length > 1 ? parts[1] : "none";
                enc = s with { Options = s.SpeOptions with { Normalization = mode.StartsWith("bn", StringComparison.Ordinal) ? SpeNormalization.BatchNorm : SpeNormalization.None, ColumnReduction = mode.EndsWith("mean", StringComparison.Ordinal) ? SpeColumnReduction.Mean : SpeColumnReduction.Sum } };
                bb = backbone with { SpeLayout = parts.Length > 2 && parts[2] == "blocks" ? SpeBatchLayout.Blocks : SpeBatchLayout.Padded };
            }

            var def = new GraphModelDefinition(schema, bb, enc, loss);
            var split = new GraphSplit(train, PrecomputedEncoding.ComputeMany(train, enc));
            var validSplit = new GraphSplit(valid, PrecomputedEncoding.ComputeMany(valid, enc));
            // CPU and wall time at each epoch end; the first epoch (graph build, session creation, JIT) is reported apart
            var marks = new List<(double Cpu, double Wall)>();
            var watch = Stopwatch.StartNew();
            marks.Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, 0));
            _ = GraphTrainer.Train(def, split, validSplit, new GraphTrainerOptions(Epochs: epochs, Seed: 1, Threads: 1, Batching: bucketed ? GraphBatching.SizeBucketed : GraphTrainerOptions.Defaults.Batching), new Progress(_ => marks.Add((Process.GetCurrentProcess().TotalProcessorTime.TotalSeconds, watch.Elapsed.TotalSeconds))));
            double first = marks[1].Cpu - marks[0].Cpu;
            double cpu = (marks[^1].Cpu - marks[1].Cpu) / (epochs - 1);
            double wall = (marks[^1].Wall - marks[1].Wall) / (epochs - 1);
            noneCpu ??= parts[0] == "none" ? cpu : null;
            Console.WriteLine($"| {config} | {cpu:F2} | {wall:F2} | {(noneCpu is { } nc ? (cpu / nc).ToString("F1", CultureInfo.InvariantCulture) : "–")} | {first:F2} |");
        }
    }

    private static string Load() => File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ')[0] : "?";

    private sealed record Profile(double RunMs, int Runs, Dictionary<string, (double Ms, long Calls)> Ops, Dictionary<string, (string Op, double Ms, string Shape)> Nodes, int NodeCount, long KernelCalls);

    private static Profile Summarise(string path)
    {
        using JsonDocument doc = JsonDocument.Parse(File.ReadAllBytes(path));
        JsonElement events = doc.RootElement.ValueKind == JsonValueKind.Array ? doc.RootElement : doc.RootElement.GetProperty("traceEvents");
        double run = 0;
        int runs = 0;
        long calls = 0;
        var ops = new Dictionary<string, (double, long)>();
        var nodes = new Dictionary<string, (string, double, string)>();
        foreach (JsonElement e in events.EnumerateArray())
        {
            string cat = e.TryGetProperty("cat", out JsonElement c) ? c.GetString() ?? "" : "";
            string name = e.TryGetProperty("name", out JsonElement n) ? n.GetString() ?? "" : "";
            double ms = e.TryGetProperty("dur", out JsonElement d) ? d.GetDouble() / 1000 : 0;
            if (cat == "Session" && name == "model_run")
            {
                run += ms;
                runs++;
            }
            else if (cat == "Node" && name.EndsWith("_kernel_time", StringComparison.Ordinal))
            {
                JsonElement a = e.GetProperty("args");
                string op = a.GetProperty("op_name").GetString() ?? "?";
                string node = name[..^"_kernel_time".Length];
                string shape = a.TryGetProperty("output_type_shape", out JsonElement sh) ? sh.ToString() : "";
                ops[op] = ops.TryGetValue(op, out var o) ? (o.Item1 + ms, o.Item2 + 1) : (ms, 1);
                nodes[node] = nodes.TryGetValue(node, out var x) ? (op, x.Item2 + ms, shape) : (op, ms, shape);
                calls++;
            }
        }

        return new Profile(run, runs, ops, nodes, nodes.Count, calls);
    }

    private static (List<Graph>, List<Graph>, GraphSchema, GineOptions, GraphLoss, int) Cycles()
    {
        var all = CycleCountingDataset.Generate(1000, seed: 2024, minNodes: 10, maxNodes: 20, meanDegree: 3.0);
        List<Graph> Take(IEnumerable<CycleCountingSample> s) => [.. s.Select(x => x.Graph.WithTargets([.. x.Counts.Select(c => (float)c)]))];
        return (Take(all.Take(600)), Take(all.Skip(600).Take(200)), new GraphSchema(1, 1, 0, 4), new GineOptions(HiddenSize: 32, Layers: 3, Pooling: GraphPooling.Sum, HeadHiddenSize: 32, Seed: 1), GraphLoss.L1, 20);
    }

    private static (List<Graph>, List<Graph>, GraphSchema, GineOptions, GraphLoss, int) Zinc(Func<string, string> findShared)
    {
        GraphDataset ds = GraphDataset.Load(findShared("molecules/micro_zinc/micro_ZINC.csv"), "score");
        var rows = File.ReadAllLines(findShared("molecules/micro_zinc/micro_zinc_splits.csv")).Skip(1).Select(l => l.Split(',')).ToList();
        int[] Col(int c) => [.. rows.Where(r => r.Length > c && r[c].Length > 0).Select(r => (int)double.Parse(r[c], CultureInfo.InvariantCulture))];
        GraphTrainingJob job = GraphTrainingJob.Prepare(ds, new GraphDatasetSplit(Col(0), Col(1), Col(2)), new NoEncoding());
        var backbone = new GineOptions(HiddenSize: 64, Layers: 4, Pooling: GraphPooling.Mean, HeadHiddenSize: 64, Seed: 1);
        return ([.. job.Train.Graphs], [.. job.Valid.Graphs], job.Define(backbone).Schema, backbone, GraphLoss.L1, 16);
    }

    // NCI109 as the nci109 task trains it: fold 0 of the stratified 10-fold protocol (seed 1; fold 1 validates), GINE 64×4.
    private static (List<Graph>, List<Graph>, GraphSchema, GineOptions, GraphLoss, int) Nci109(Func<string, string> findShared)
    {
        GraphDataset ds = GraphDataset.Load(findShared("graphs/tu/NCI109"));
        GraphTrainingJob job = GraphTrainingJob.Prepare(ds, ds.StratifiedFolds(10, 1)[0], new NoEncoding());
        var backbone = new GineOptions(HiddenSize: 64, Layers: 4, Pooling: GraphPooling.Mean, HeadHiddenSize: 64, Seed: 1);
        return ([.. job.Train.Graphs], [.. job.Valid.Graphs], job.Define(backbone).Schema, backbone, GraphLoss.CrossEntropy, 16);
    }

    private sealed class Progress(Action<EpochReport> action) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => action(value);
    }
}
