// SPE vs LapPE vs RWSE vs no PE, same GINE backbone, budget and seeds (mean ± std over seeds):
//   cycles  — the substructure-counting task regenerated in C# (exact 3..6-cycle counts; test MAE per length, targets / train std)
//   zinc    — micro-ZINC 600/200/200 (../shared/data/molecules/micro_zinc), target `score`, test MAE at best validation epoch
//   nci109  — NCI109 (../shared/data/graphs/tu/NCI109), k-fold accuracy (stratification-free seeded folds)
//   epoch   — training epoch time on NCI109, dense vs sparse GINE vs PyTorch (ref_gine.py, scatter_add) on the same batches, 1 thread each, as ratios
// Run: dotnet run -c Release --project benchmarks/GraphBench -- <cycles|zinc|nci109> [epochs] [seeds] [folds] [threads] [pe list] [hidden] [layers] [batch] [lr]
//      dotnet run -c Release --project benchmarks/GraphBench -- epoch [epochs=3] [hidden=64] [layers=4] [batch=32]
//      dotnet run -c Release --project benchmarks/GraphBench -- spe-epoch [epochs=2] [hidden=64] [layers=4] [batch=32] [nci109|cycles]
//        SPE epoch time, sparse GINE, SPE's n×n part padded (B·N_max²) vs per-graph blocks (Σ n_g²), same batches, 1 thread
//   pe list: comma-separated subset of none,lap,rwse,spe (default all); hidden, layers, batch: GINE width, depth, batch size and learning rate for nci109 (64, 4, 64, 1e-3)
//   environment: GRAPHBENCH_SPE="m,rhoLayers,rhoHidden[,mean][,bn]" sizes SPE (bn: the reference's BatchNorm in φ and ρ); GRAPHBENCH_BATCHING=bucketed uses size-bucketed batches (all encodings alike);
//   GRAPHBENCH_LAYOUT=dense trains the dense (padded) GINE instead of the default sparse one
using System.Diagnostics;
using System.Globalization;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;

string task = args.Length > 0 ? args[0] : "cycles";
int epochs = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 30;
int seeds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
int folds = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 10;
int threads = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 1;
string[] peFilter = args.Length > 5 ? args[5].Split(',') : ["none", "lap", "rwse", "spe"];
int nciHidden = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 64;
int nciLayers = args.Length > 7 ? int.Parse(args[7], CultureInfo.InvariantCulture) : 4;
int nciBatch = args.Length > 8 ? int.Parse(args[8], CultureInfo.InvariantCulture) : 64;
float nciLr = args.Length > 9 ? float.Parse(args[9], CultureInfo.InvariantCulture) : 1e-3f;

GraphEncoding[] Encodings(int k, int p) => AllEncodings(k, p).Where(e => peFilter.Contains(e.Name)).ToArray();

// GRAPHBENCH_SPE="m,rhoLayers,rhoHidden[,mean]" overrides SPE's sizes (default 8,2,16, column sum; φ is the reference's
// 1→16→16→1); a fourth field "mean" averages ρ's columns instead of summing them.
string[] speSpec = (Environment.GetEnvironmentVariable("GRAPHBENCH_SPE") ?? "8,2,16").Split(',');
int[] speSizes = speSpec.Take(3).Select(x => int.Parse(x, CultureInfo.InvariantCulture)).ToArray();
SpeColumnReduction speReduction = speSpec.Skip(3).Contains("mean") ? SpeColumnReduction.Mean : SpeColumnReduction.Sum;
SpeNormalization speNorm = speSpec.Skip(3).Contains("bn") ? SpeNormalization.BatchNorm : SpeNormalization.None;

// GRAPHBENCH_BATCHING=bucketed batches graphs of similar size (GraphBatching.SizeBucketed) for every encoding alike.
GraphBatching batching = Environment.GetEnvironmentVariable("GRAPHBENCH_BATCHING") == "bucketed" ? GraphBatching.SizeBucketed : GraphBatching.Shuffled;

GraphEncoding[] AllEncodings(int k, int p) =>
[
    new NoEncoding(),
    new LapPeEncoding(k),
    new RwseEncoding(k),
    new SpeEncoding(k, new SpeOptions(EigenvalueFunctions: speSizes[0], RhoLayers: speSizes[1], RhoHiddenSize: speSizes[2], OutputSize: p, ColumnReduction: speReduction, Normalization: speNorm)),
];

// GRAPHBENCH_LAYOUT=dense uses the padded GINE layout (GraphMessagePassing.Dense) instead of the default edge lists.
GraphMessagePassing layout = Environment.GetEnvironmentVariable("GRAPHBENCH_LAYOUT") == "dense" ? GraphMessagePassing.Dense : GraphMessagePassing.Sparse;

if (task == "epoch")
{
    int At(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    EpochBench.Run(FindShared("graphs/tu/NCI109"), At(1, 3), At(2, 64), At(3, 4), At(4, 32), Environment.GetEnvironmentVariable("GRAPHBENCH_PYTHON"));
    return;
}

if (task == "spe-epoch")
{
    int At(int i, int fallback) => args.Length > i ? int.Parse(args[i], CultureInfo.InvariantCulture) : fallback;
    string dataset = args.Length > 5 ? args[5] : "nci109";
    var spe = new SpeOptions(EigenvalueFunctions: speSizes[0], RhoLayers: speSizes[1], RhoHiddenSize: speSizes[2], OutputSize: 16, ColumnReduction: speReduction, Normalization: speNorm);
    EpochBench.RunSpe(dataset == "cycles" ? null : FindShared("graphs/tu/NCI109"), spe, At(1, 2), At(2, 64), At(3, 4), At(4, 32));
    return;
}

var total = Stopwatch.StartNew();
Console.WriteLine($"task={task} epochs={epochs} seeds={seeds} threads={threads} cores={Environment.ProcessorCount} spe(m,rhoLayers,rhoHidden)=({string.Join(",", speSizes)}) columns={speReduction} norm={speNorm} batching={batching} layout={layout}");
switch (task)
{
    case "cycles":
        Cycles();
        break;
    case "zinc":
        Zinc();
        break;
    case "nci109":
        Nci();
        break;
    default:
        Console.Error.WriteLine($"unknown task '{task}' (cycles|zinc|nci109)");
        Environment.Exit(2);
        break;
}

Console.WriteLine($"total {total.Elapsed.TotalMinutes:F1} min");

void Cycles()
{
    var all = CycleCountingDataset.Generate(1000, seed: 2024, minNodes: 10, maxNodes: 20, meanDegree: 3.0);
    var trainS = all.Take(600).ToList();
    double[] std = Enumerable.Range(0, 4).Select(c => Std(trainS.Select(s => (double)s.Counts[c]))).ToArray();
    List<Graph> Norm(IEnumerable<CycleCountingSample> s) => s.Select(x => x.Graph.WithTargets(Enumerable.Range(0, 4).Select(c => (float)(x.Counts[c] / std[c])).ToArray())).ToList();
    List<Graph> train = Norm(trainS), valid = Norm(all.Skip(600).Take(200)), test = Norm(all.Skip(800));
    Console.WriteLine($"graphs 600/200/200, n in [10, 20], target std (3..6-cycles) = {string.Join(", ", std.Select(x => x.ToString("F2", CultureInfo.InvariantCulture)))}");
    Console.WriteLine($"{"PE",-5} {"C3 MAE",16} {"C4 MAE",16} {"C5 MAE",16} {"C6 MAE",16} {"params",8} {"s/run",6}");
    foreach (GraphEncoding enc in Encodings(20, 16))
    {
        var def = new GraphModelDefinition(new GraphSchema(1, 1, 0, 4), new GineOptions(HiddenSize: 32, Layers: 3, Pooling: GraphPooling.Sum, HeadHiddenSize: 32) { MessagePassing = layout }, enc, GraphLoss.L1);
        var (trainP, validP, testP) = (Pre(train, enc), Pre(valid, enc), Pre(test, enc));
        var perLength = new List<double[]>();
        long parameters = 0;
        var sw = Stopwatch.StartNew();
        for (int seed = 0; seed < seeds; seed++)
        {
            GraphModel model = GraphTrainer.Train(def with { Backbone = def.Backbone with { Seed = seed + 1 } }, new GraphSplit(train, trainP), new GraphSplit(valid, validP),
                new GraphTrainerOptions(Epochs: epochs, BatchSize: 32, LearningRate: 1e-3f, WarmupSteps: 20, Seed: seed + 1, Threads: threads, Batching: batching));
            parameters = model.ParameterCount;
            using var predictor = new GraphPredictor(model);
            float[][] y = predictor.Predict(test, testP);
            perLength.Add(Enumerable.Range(0, 4).Select(c => y.Select((v, i) => (double)Math.Abs(v[c] - test[i].Targets![c])).Average()).ToArray());
        }

        string Cell(int c) => $"{perLength.Average(r => r[c]):F4} ± {Std(perLength.Select(r => r[c])):F4}";
        Console.WriteLine($"{enc.Name,-5} {Cell(0),16} {Cell(1),16} {Cell(2),16} {Cell(3),16} {parameters,8} {sw.Elapsed.TotalSeconds / seeds,6:F0}");
    }
}

void Zinc()
{
    string csv = FindShared("molecules/micro_zinc/micro_ZINC.csv");
    string splits = FindShared("molecules/micro_zinc/micro_zinc_splits.csv");
    var recs = SmilesCsvReader.Read(csv, "SMILES", "score");
    var vocab = AtomTypeVocabulary.Build(recs.Select(r => r.Molecule));
    var graphs = recs.Select(r => vocab.ToGraph(r.Molecule, r.Target)).ToList();
    var rows = File.ReadAllLines(splits).Skip(1).Select(l => l.Split(',')).ToList();
    List<Graph> Col(int c) => rows.Where(r => r.Length > c && r[c].Length > 0).Select(r => graphs[(int)double.Parse(r[c], CultureInfo.InvariantCulture)]).ToList();
    List<Graph> train = Col(0), valid = Col(1), test = Col(2);
    Console.WriteLine($"micro-ZINC {train.Count}/{valid.Count}/{test.Count}, {vocab.Count} atom types, 4 bond types");
    Console.WriteLine($"{"PE",-5} {"test MAE",18} {"params",8} {"s/run",6}");
    foreach (GraphEncoding enc in Encodings(16, 16))
    {
        var def = new GraphModelDefinition(new GraphSchema(vocab.Count, 5, 0, 1), new GineOptions(HiddenSize: 64, Layers: 4, Pooling: GraphPooling.Mean, HeadHiddenSize: 64) { MessagePassing = layout }, enc, GraphLoss.L1);
        var (trainP, validP, testP) = (Pre(train, enc), Pre(valid, enc), Pre(test, enc));
        var maes = new List<double>();
        long parameters = 0;
        var sw = Stopwatch.StartNew();
        for (int seed = 0; seed < seeds; seed++)
        {
            GraphModel model = GraphTrainer.Train(def with { Backbone = def.Backbone with { Seed = seed + 1 } }, new GraphSplit(train, trainP), new GraphSplit(valid, validP),
                new GraphTrainerOptions(Epochs: epochs, BatchSize: 32, LearningRate: 1e-3f, WarmupSteps: 20, Seed: seed + 1, Threads: threads, Batching: batching));
            parameters = model.ParameterCount;
            maes.Add(GraphTrainer.Evaluate(model, new GraphSplit(test, testP)));
        }

        Console.WriteLine($"{enc.Name,-5} {$"{maes.Average():F4} ± {Std(maes):F4}",18} {parameters,8} {sw.Elapsed.TotalSeconds / seeds,6:F0}");
    }
}

void Nci()
{
    // Folds outer, encodings inner: a run stopped early still compares every encoding on the same completed folds.
    TuDataset ds = TuDatasetReader.Read(FindShared("graphs/tu/NCI109"));
    var graphs = ds.Graphs.ToList();
    int[] order = Enumerable.Range(0, graphs.Count).ToArray();
    new Random(109).Shuffle(order);
    Console.WriteLine($"NCI109 {graphs.Count} graphs, {ds.NodeTypeCount} node labels; {folds} of 10 folds (90/10), {seeds} seed(s); GINE width {nciHidden}, {nciLayers} layers, batch {nciBatch}, {epochs} epochs, lr {nciLr}; accuracy of the last epoch (no model selection)");
    GraphEncoding[] encodings = Encodings(16, 16);
    var pre = encodings.ToDictionary(e => e.Name, e => Pre(graphs, e));
    var accs = encodings.ToDictionary(e => e.Name, _ => new List<double>());
    var seconds = encodings.ToDictionary(e => e.Name, _ => 0.0);
    var parameters = encodings.ToDictionary(e => e.Name, _ => 0L);
    for (int fold = 0; fold < folds; fold++)
    {
        var testIdx = order.Where((_, i) => i % 10 == fold).ToHashSet();
        var tr = order.Where(i => !testIdx.Contains(i)).ToList();
        var te = order.Where(testIdx.Contains).ToList();
        foreach (GraphEncoding enc in encodings)
        {
            var def = new GraphModelDefinition(new GraphSchema(ds.NodeTypeCount, 1, 0, 2), new GineOptions(HiddenSize: nciHidden, Layers: nciLayers, Pooling: GraphPooling.Mean, HeadHiddenSize: nciHidden) { MessagePassing = layout }, enc, GraphLoss.CrossEntropy);
            for (int seed = 0; seed < seeds; seed++)
            {
                var sw = Stopwatch.StartNew();
                var train = new GraphSplit(tr.Select(i => graphs[i]).ToList(), tr.Select(i => pre[enc.Name][i]).ToList());
                var test = new GraphSplit(te.Select(i => graphs[i]).ToList(), te.Select(i => pre[enc.Name][i]).ToList());
                GraphModel model = GraphTrainer.Train(def with { Backbone = def.Backbone with { Seed = seed + 1 } }, train, null,
                    new GraphTrainerOptions(Epochs: epochs, BatchSize: nciBatch, LearningRate: nciLr, WarmupSteps: 10, Seed: seed + 1, Threads: threads, Batching: batching));
                parameters[enc.Name] = model.ParameterCount;
                accs[enc.Name].Add(GraphTrainer.Evaluate(model, test));
                seconds[enc.Name] += sw.Elapsed.TotalSeconds;
                Console.WriteLine($"  fold {fold} {enc.Name,-5} seed {seed + 1}: accuracy {accs[enc.Name][^1]:F4} ({sw.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
            }
        }

        Console.WriteLine($"after {fold + 1} fold(s):");
        Console.WriteLine($"{"PE",-5} {"accuracy (mean ± std over runs)",32} {"params",8} {"s/run",6}");
        foreach (GraphEncoding enc in encodings)
        {
            List<double> a = accs[enc.Name];
            Console.WriteLine($"{enc.Name,-5} {$"{a.Average():F4} ± {Std(a):F4}",32} {parameters[enc.Name],8} {seconds[enc.Name] / a.Count,6:F0}");
        }
    }
}

static PrecomputedEncoding[] Pre(IReadOnlyList<Graph> g, GraphEncoding e) => PrecomputedEncoding.ComputeMany(g, e);

static double Std(IEnumerable<double> xs)
{
    double[] a = xs.ToArray();
    if (a.Length < 2)
    {
        return 0;
    }

    double m = a.Average();
    return Math.Sqrt(a.Sum(x => (x - m) * (x - m)) / (a.Length - 1));
}

static string FindShared(string relative)
{
    string? dir = Directory.GetCurrentDirectory();
    while (dir is not null)
    {
        foreach (string c in new[] { Path.Combine(dir, "shared", "data", relative), Path.Combine(dir, "..", "shared", "data", relative) })
        {
            if (File.Exists(c) || Directory.Exists(c))
            {
                return Path.GetFullPath(c);
            }
        }

        dir = Path.GetDirectoryName(dir);
    }

    throw new FileNotFoundException($"../shared/data/{relative} not found.");
}
