using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;

/// <summary>
/// Training epoch time on NCI109, GINE without PE, one intra-op thread each: the dense layout, the sparse layout, and
/// ref_gine.py (PyTorch, the same sparse GINE with scatter_add as PyG does it) on the same batches (the trainer's
/// shuffled order for each epoch, written to a JSON file the script reads). Prints seconds per epoch (median over the
/// epochs) and the ratios.
/// </summary>
internal static class EpochBench
{
    public static void Run(string dataFolder, int epochs, int hidden, int layers, int batchSize, string? python)
    {
        TuDataset ds = TuDatasetReader.Read(dataFolder);
        IReadOnlyList<Graph> graphs = ds.Graphs;
        var enc = new NoEncoding();
        var split = new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, enc));
        int te = Math.Max(1, ds.EdgeTypeCount);
        long nodes = graphs.Sum(g => (long)g.NodeCount);
        Console.WriteLine($"epoch time: {ds.Name} {graphs.Count} graphs ({nodes} nodes, max {graphs.Max(g => g.NodeCount)}), GINE {hidden}×{layers}, batch {batchSize}, {epochs} epochs, 1 thread, median epoch");
        const int Seed = 1;
        var seconds = new Dictionary<string, double>();
        foreach (GraphMessagePassing layout in new[] { GraphMessagePassing.Dense, GraphMessagePassing.Sparse })
        {
            var def = new GraphModelDefinition(new GraphSchema(ds.NodeTypeCount, te, 0, ds.ClassLabels.Count),
                new GineOptions(HiddenSize: hidden, Layers: layers, Pooling: GraphPooling.Mean, HeadHiddenSize: hidden) { MessagePassing = layout }, enc, GraphLoss.CrossEntropy);
            var reports = new List<EpochReport>();
            GraphTrainer.Train(def, split, null, new GraphTrainerOptions(Epochs: epochs, BatchSize: batchSize, WarmupSteps: 10, Seed: Seed, Threads: 1, Batching: GraphBatching.Shuffled), new Sink(reports));
            seconds[layout.ToString().ToLowerInvariant()] = Median(reports.Select(r => r.Seconds));
            Console.WriteLine($"  {layout.ToString().ToLowerInvariant(),-7} {seconds[layout.ToString().ToLowerInvariant()],8:F2} s/epoch  (train loss {string.Join(" → ", reports.Select(r => r.TrainLoss.ToString("F4", CultureInfo.InvariantCulture)))})");
        }

        string script = Path.Combine(AppContext.BaseDirectory, "ref_gine.py");
        string input = Path.Combine(Path.GetTempPath(), $"graphbench-epoch-{Environment.ProcessId}.json");
        File.WriteAllText(input, JsonSerializer.Serialize(new
        {
            hidden,
            layers,
            node_types = ds.NodeTypeCount,
            edge_types = te,
            classes = ds.ClassLabels.Count,
            graphs = graphs.Select(g => new { n = g.NodeCount, src = g.EdgeSources, dst = g.EdgeTargets, x = g.NodeTypes, e = g.EdgeTypes, y = (int)g.Target }),
            epochs = Enumerable.Range(1, epochs).Select(e => ShuffledEpoch(graphs.Count, batchSize, Seed, e)),
        }));
        try
        {
            double? torch = RunReference(python ?? "/usr/bin/python3", script, input);
            if (torch is double t)
            {
                seconds["torch"] = t;
                Console.WriteLine($"  {"torch",-7} {t,8:F2} s/epoch  (ref_gine.py: PyTorch scatter_add, same batches)");
            }
        }
        finally
        {
            File.Delete(input);
        }

        Console.WriteLine($"ratios: dense/sparse {seconds["dense"] / seconds["sparse"]:F2}×" + (seconds.TryGetValue("torch", out double tt) ? $", sparse/torch {seconds["sparse"] / tt:F2}, dense/torch {seconds["dense"] / tt:F2}" : ", torch: not run"));
    }

    /// <summary>
    /// SPE training epoch time with sparse GINE, SPE's <c>n×n</c> part padded to <c>B·N_max²</c> vs per-graph blocks
    /// (<see cref="Pipelines.Transforms.Graphs.Spe.SpeBatchLayout"/>), same seed and batches, one intra-op thread; NCI109
    /// or (<paramref name="dataFolder"/> null) the generated cycle-counting graphs (600, n in [10, 20]).
    /// </summary>
    public static void RunSpe(string? dataFolder, Pipelines.Transforms.Graphs.Spe.SpeOptions speOptions, int epochs, int hidden, int layers, int batchSize)
    {
        IReadOnlyList<Graph> graphs;
        GraphSchema schema;
        GraphLoss loss;
        string name;
        if (dataFolder is null)
        {
            graphs = Pipelines.Transforms.Graphs.Datasets.CycleCountingDataset.Generate(600, seed: 2024, minNodes: 10, maxNodes: 20, meanDegree: 3.0).Select(s => s.WithTarget(3)).ToList();
            schema = new GraphSchema(1, 1, 0, 1);
            loss = GraphLoss.L1;
            name = "cycles";
        }
        else
        {
            TuDataset ds = TuDatasetReader.Read(dataFolder);
            graphs = ds.Graphs;
            schema = new GraphSchema(ds.NodeTypeCount, Math.Max(1, ds.EdgeTypeCount), 0, ds.ClassLabels.Count);
            loss = GraphLoss.CrossEntropy;
            name = ds.Name;
        }

        var enc = new SpeEncoding(16, speOptions);
        var watch = Stopwatch.StartNew();
        var split = new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, enc));
        long pairs = graphs.Sum(g => (long)g.NodeCount * g.NodeCount);
        Console.WriteLine($"SPE epoch time: {name} {graphs.Count} graphs (max {graphs.Max(g => g.NodeCount)} nodes, Σn² {pairs}), spectra {watch.Elapsed.TotalSeconds:F1} s; SPE m={speOptions.EigenvalueFunctions} ρ {speOptions.RhoLayers}×{speOptions.RhoHiddenSize} {speOptions.Normalization}; GINE {hidden}×{layers}, batch {batchSize}, {epochs} epochs, 1 thread, median epoch");
        var seconds = new Dictionary<string, double>();
        foreach (var speLayout in new[] { Pipelines.Transforms.Graphs.Spe.SpeBatchLayout.Padded, Pipelines.Transforms.Graphs.Spe.SpeBatchLayout.Blocks })
        {
            var def = new GraphModelDefinition(schema, new GineOptions(HiddenSize: hidden, Layers: layers, Pooling: GraphPooling.Mean, HeadHiddenSize: hidden) { SpeLayout = speLayout }, enc, loss);
            var reports = new List<EpochReport>();
            GraphTrainer.Train(def, split, null, new GraphTrainerOptions(Epochs: epochs, BatchSize: batchSize, WarmupSteps: 10, Seed: 1, Threads: 1, Batching: GraphBatching.Shuffled), new Sink(reports));
            string key = speLayout.ToString().ToLowerInvariant();
            seconds[key] = Median(reports.Select(r => r.Seconds));
            Console.WriteLine($"  {key,-7} {seconds[key],8:F2} s/epoch  (train loss {string.Join(" → ", reports.Select(r => r.TrainLoss.ToString("F4", CultureInfo.InvariantCulture)))})");
        }

        Console.WriteLine($"ratio: padded/blocks {seconds["padded"] / seconds["blocks"]:F2}×");
    }

    // GraphBatchOrder.Epoch for GraphBatching.Shuffled (the trainer's order): a seeded shuffle cut into batches.
    private static int[][] ShuffledEpoch(int count, int batchSize, int seed, int epoch)
    {
        var rng = new Random(unchecked((seed * 1_000_003) + (epoch * 7_919)));
        int[] order = Enumerable.Range(0, count).ToArray();
        rng.Shuffle(order);
        return order.Chunk(batchSize).ToArray();
    }

    private static double? RunReference(string python, string script, string input)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        start.ArgumentList.Add(input);
        start.Environment.Remove("OPENBLAS_CORETYPE");
        start.Environment.Remove("OPENBLAS_L2_SIZE");
        try
        {
            using Process p = Process.Start(start)!;
            string stdout = p.StandardOutput.ReadToEnd();
            string stderr = p.StandardError.ReadToEnd();
            p.WaitForExit();
            string? line = stdout.Split('\n').LastOrDefault(l => l.StartsWith("epoch_seconds=", StringComparison.Ordinal));
            if (p.ExitCode != 0 || line is null)
            {
                Console.WriteLine($"  torch: ref_gine.py failed (exit {p.ExitCode}): {stderr.Trim().Split('\n').LastOrDefault()}");
                return null;
            }

            Console.Write(string.Concat(stdout.Split('\n').Where(l => l.StartsWith("  ", StringComparison.Ordinal)).Select(l => l + "\n")));
            return double.Parse(line["epoch_seconds=".Length..], CultureInfo.InvariantCulture);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            Console.WriteLine($"  torch: cannot start {python}: {e.Message}");
            return null;
        }
    }

    private static double Median(IEnumerable<double> xs)
    {
        double[] a = xs.Order().ToArray();
        return a.Length % 2 == 1 ? a[a.Length / 2] : (a[(a.Length / 2) - 1] + a[a.Length / 2]) / 2;
    }

    private sealed class Sink(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }
}
