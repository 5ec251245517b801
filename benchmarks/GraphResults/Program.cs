// The converged-budget results table of issue #15: GINE × {none, LapPE, RWSE, SPE} × seeds, every run trained to
// convergence by early stopping on the validation metric (patience; the best epoch's weights are kept), 1 intra-op thread.
//   cycles  — substructure counting regenerated in C# (exact 3..6-cycle counts, seed 2024, 600/200/200): test MAE per length (targets / train std)
//   zinc    — micro-ZINC 600/200/200 (../shared/data/molecules/micro_zinc), target `score`: test MAE
//   esol    — ESOL (../shared/data/molecules/esol), logSolubility, seeded 80/10/10 split: test RMSE (trained with L1, selected on valid MAE)
//   nci109  — NCI109 (../shared/data/graphs/tu/NCI109), stratified 10-fold CV (fold f tests, f+1 selects): mean test accuracy over the folds run
//   sizegen — NCI109 size generalisation: train/valid on graphs with ≤ median node count (90/10), test on the larger ones: accuracy
// Run: dotnet run -c Release --project benchmarks/GraphResults -- [tasks=cycles,zinc,esol,nci109,sizegen] [pe=none,lap,rwse,spe] [seeds=3] [maxEpochs=200] [patience=20] [folds=10] [threads=1]
// Each finished run prints one line (so a stopped run still reports what it did); each task ends with a mean ± std table.
using System.Diagnostics;
using System.Globalization;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
string[] tasks = (args.Length > 0 ? args[0] : "cycles,zinc,esol,nci109,sizegen").Split(',');
string[] pes = (args.Length > 1 ? args[1] : "none,lap,rwse,spe").Split(',');
int seeds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
int maxEpochs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
int patience = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 20;
int folds = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;
int threads = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 1;
var total = Stopwatch.StartNew();
Console.WriteLine($"GraphResults: tasks={string.Join(",", tasks)} pe={string.Join(",", pes)} seeds={seeds} maxEpochs={maxEpochs} patience={patience} folds={folds} threads={threads} layout={GineOptions.Defaults.MessagePassing} cores={Environment.ProcessorCount}");

foreach (string task in tasks)
{
    switch (task)
    {
        case "cycles":
            Cycles();
            break;
        case "zinc":
            Regression("zinc", LoadZinc(out GraphDatasetSplit zs), _ => zs, rmse: false);
            break;
        case "esol":
            GraphDataset esol = GraphDataset.Load(FindShared("molecules/esol/esol.csv"), "logSolubility");
            Regression("esol", esol, seed => esol.Split(0.1, seed), rmse: true);
            break;
        case "nci109":
            GraphDataset nci = GraphDataset.Load(FindShared("graphs/tu/NCI109"));
            Classification("nci109", nci, seed => nci.StratifiedFolds(10, seed).Take(folds).ToList());
            break;
        case "sizegen":
            GraphDataset nciSize = GraphDataset.Load(FindShared("graphs/tu/NCI109"));
            Classification("sizegen", nciSize, seed => [SizeSplit(nciSize, seed)]);
            break;
        default:
            Console.Error.WriteLine($"unknown task '{task}' (cycles|zinc|esol|nci109|sizegen)");
            Environment.Exit(2);
            break;
    }
}

Console.WriteLine($"total {total.Elapsed.TotalMinutes:F1} min");

GraphTrainerOptions Options(int seed) => new(Epochs: maxEpochs, BatchSize: 32, LearningRate: 1e-3f, WarmupSteps: 20, Seed: seed, Threads: threads, Patience: patience);

GineOptions Backbone(int seed) => new(HiddenSize: 64, Layers: 4, Pooling: GraphPooling.Mean, HeadHiddenSize: 64, Seed: seed);

GraphEncoding Encoding(string pe, int k, int seed) => GraphEncoding.Create(Enum.Parse<GraphEncodingKind>(pe, ignoreCase: true), k, seed);

void Cycles()
{
    var all = CycleCountingDataset.Generate(1000, seed: 2024, minNodes: 10, maxNodes: 20, meanDegree: 3.0);
    var trainS = all.Take(600).ToList();
    double[] std = Enumerable.Range(0, 4).Select(c => Std(trainS.Select(s => (double)s.Counts[c]))).ToArray();
    List<Graph> Norm(IEnumerable<CycleCountingSample> s) => s.Select(x => x.Graph.WithTargets(Enumerable.Range(0, 4).Select(c => (float)(x.Counts[c] / std[c])).ToArray())).ToList();
    List<Graph> train = Norm(trainS), valid = Norm(all.Skip(600).Take(200)), test = Norm(all.Skip(800));
    Console.WriteLine($"cycles: 600/200/200 generated graphs (seed 2024), n in [10, 20]; test MAE per cycle length, targets / train std");
    var rows = new List<string>();
    foreach (string pe in pes)
    {
        var perLength = new List<double[]>();
        var epochsRun = new List<int>();
        for (int seed = 1; seed <= seeds; seed++)
        {
            GraphEncoding enc = Encoding(pe, 20, seed);
            var def = new GraphModelDefinition(new GraphSchema(1, 1, 0, 4), new GineOptions(HiddenSize: 32, Layers: 3, Pooling: GraphPooling.Sum, HeadHiddenSize: 32, Seed: seed), enc, GraphLoss.L1);
            var watch = Stopwatch.StartNew();
            var reports = new List<EpochReport>();
            GraphModel model = GraphTrainer.Train(def, Split(train, enc), Split(valid, enc), Options(seed), new Sink(reports));
            using var predictor = new GraphPredictor(model);
            float[][] y = predictor.Predict(test, PrecomputedEncoding.ComputeMany(test, enc));
            perLength.Add(Enumerable.Range(0, 4).Select(c => y.Select((v, i) => (double)Math.Abs(v[c] - test[i].Targets![c])).Average()).ToArray());
            epochsRun.Add(reports.Count);
            Console.WriteLine($"  cycles {pe,-4} seed {seed}: MAE C3..C6 {string.Join(" ", perLength[^1].Select(m => m.ToString("F4")))}; {reports.Count} epochs, best {reports.Last(r => r.IsBest).Epoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
        }

        rows.Add($"| {pe} | {string.Join(" | ", Enumerable.Range(0, 4).Select(c => Cell(perLength.Select(r => r[c]))))} | {epochsRun.Average():F0} |");
    }

    Table("cycles (test MAE, normalised)", "| PE | C3 | C4 | C5 | C6 | epochs |", rows);
}

GraphDataset LoadZinc(out GraphDatasetSplit split)
{
    GraphDataset ds = GraphDataset.Load(FindShared("molecules/micro_zinc/micro_ZINC.csv"), "score");
    var rows = File.ReadAllLines(FindShared("molecules/micro_zinc/micro_zinc_splits.csv")).Skip(1).Select(l => l.Split(',')).ToList();
    int[] Col(int c) => rows.Where(r => r.Length > c && r[c].Length > 0).Select(r => (int)double.Parse(r[c], CultureInfo.InvariantCulture)).ToArray();
    split = new GraphDatasetSplit(Col(0), Col(1), Col(2));
    return ds;
}

void Regression(string name, GraphDataset data, Func<int, GraphDatasetSplit> splitOf, bool rmse)
{
    string metric = rmse ? "RMSE" : "MAE";
    Console.WriteLine($"{name}: {data.Graphs.Count} molecules, {data.NodeTypeCount} atom types; test {metric}");
    var rows = new List<string>();
    foreach (string pe in pes)
    {
        var scores = new List<double>();
        var epochsRun = new List<int>();
        PrecomputedEncoding[] pre = PrecomputedEncoding.ComputeMany(data.Graphs, Encoding(pe, 16, 1));
        for (int seed = 1; seed <= seeds; seed++)
        {
            var watch = Stopwatch.StartNew();
            GraphTrainingJob job = GraphTrainingJob.Prepare(data, splitOf(seed), Encoding(pe, 16, seed), pre);
            GraphTrainingResult r = job.Run(Backbone(seed), Options(seed));
            double score = r.TestMetric;
            if (rmse)
            {
                using var predictor = new GraphPredictor(r.Model);
                float[][] y = predictor.Predict(job.Test.Graphs, job.Test.Encodings);
                score = Math.Sqrt(y.Select((v, i) => Math.Pow(v[0] - job.Test.Graphs[i].Target, 2)).Average());
            }

            scores.Add(score);
            epochsRun.Add(r.EpochsRun);
            Console.WriteLine($"  {name} {pe,-4} seed {seed}: test {metric} {score:F4}; {r.EpochsRun} epochs, best {r.BestEpoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
        }

        rows.Add($"| {pe} | {Cell(scores)} | {epochsRun.Average():F0} |");
    }

    Table($"{name} (test {metric})", $"| PE | {metric} | epochs |", rows);
}

void Classification(string name, GraphDataset data, Func<int, IReadOnlyList<GraphDatasetSplit>> splitsOf)
{
    Console.WriteLine($"{name}: {data.Graphs.Count} graphs, {data.ClassCount} classes; test accuracy");
    var rows = new List<string>();
    foreach (string pe in pes)
    {
        var perSeed = new List<double>();
        var epochsRun = new List<int>();
        PrecomputedEncoding[] pre = PrecomputedEncoding.ComputeMany(data.Graphs, Encoding(pe, 16, 1));
        for (int seed = 1; seed <= seeds; seed++)
        {
            var accs = new List<double>();
            IReadOnlyList<GraphDatasetSplit> splits = splitsOf(seed);
            for (int f = 0; f < splits.Count; f++)
            {
                var watch = Stopwatch.StartNew();
                GraphTrainingResult r = GraphTrainingJob.Prepare(data, splits[f], Encoding(pe, 16, seed), pre).Run(Backbone(seed), Options(seed));
                accs.Add(r.TestMetric);
                epochsRun.Add(r.EpochsRun);
                Console.WriteLine($"  {name} {pe,-4} seed {seed} split {f}: test accuracy {r.TestMetric:F4}; {r.EpochsRun} epochs, best {r.BestEpoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
            }

            perSeed.Add(accs.Average());
        }

        rows.Add($"| {pe} | {Cell(perSeed)} | {epochsRun.Average():F0} |");
    }

    Table($"{name} (test accuracy; mean over splits per seed, then mean ± std over seeds)", "| PE | accuracy | epochs |", rows);
}

// Size generalisation: graphs with at most the median node count train (90%) and select (10%); the larger ones test.
static GraphDatasetSplit SizeSplit(GraphDataset data, int seed)
{
    int[] sizes = [.. data.Graphs.Select(g => g.NodeCount).Order()];
    int median = sizes[sizes.Length / 2];
    int[] small = [.. Enumerable.Range(0, data.Graphs.Count).Where(i => data.Graphs[i].NodeCount <= median)];
    int[] large = [.. Enumerable.Range(0, data.Graphs.Count).Where(i => data.Graphs[i].NodeCount > median)];
    new Random(seed).Shuffle(small);
    int valid = small.Length / 10;
    return new GraphDatasetSplit(small[valid..], small[..valid], large);
}

static GraphSplit Split(List<Graph> graphs, GraphEncoding enc) => new(graphs, PrecomputedEncoding.ComputeMany(graphs, enc));

static string Cell(IEnumerable<double> xs) => $"{xs.Average():F4} ± {Std(xs):F4}";

static void Table(string title, string header, List<string> rows)
{
    Console.WriteLine();
    Console.WriteLine($"### {title}");
    Console.WriteLine(header);
    Console.WriteLine("|" + string.Concat(Enumerable.Repeat("---|", header.Count(ch => ch == '|') - 1)));
    rows.ForEach(Console.WriteLine);
    Console.WriteLine();
}

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

internal sealed class Sink(List<EpochReport> reports) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => reports.Add(value);
}
