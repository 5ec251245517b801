// The converged-budget results table of issue #15: GINE × {none, LapPE, RWSE, SPE} × seeds, every run trained to
// convergence by early stopping on the validation metric (patience; the best epoch's weights are kept), 1 intra-op thread.
//   cycles  — substructure counting regenerated in C# (exact 3..6-cycle counts, seed 2024, 600/200/200): test MAE per length (targets / train std)
//   zinc    — micro-ZINC 600/200/200 (../shared/data/molecules/micro_zinc), target `score`: test MAE
//   esol    — ESOL (../shared/data/molecules/esol), logSolubility, seeded 80/10/10 split: test RMSE (trained with L1, selected on valid MAE)
//   nci109  — NCI109 (../shared/data/graphs/tu/NCI109), stratified 10-fold CV (fold f tests, f+1 selects): mean test accuracy over the folds run
//   sizegen — NCI109 size generalisation: train/valid on graphs with ≤ median node count (90/10), test on the larger ones: accuracy
// Run: dotnet run -c Release --project benchmarks/GraphResults -- [tasks=cycles,zinc,esol,nci109,sizegen] [pe=none,lap,rwse,spe] [seeds=3] [maxEpochs=200] [patience=20] [folds=10] [threads=1] [inits=xavier] [spe=none] [curves=benchmarks/GraphResults/results/curves] [seedList=1..seeds] [plateau=0]
//   plateau P > 0: reduce-on-plateau (PlateauReduction: ×0.5 after P epochs without a better validation metric, end below
//   1 % of the peak rate; maxEpochs is the cap) instead of the linear decay; patience (early stopping) still applies if > 0.
//   inits: comma-separated xavier,virgo (GineOptions.Init; one table column each); spe: SPE's normalisation and column
//   reduction, none|mean|bn|bn-mean (SpeNormalization.BatchNorm, SpeColumnReduction.Mean; default the compact SPE of graph train).
//   Loops seed → PE → init, so a stopped run has every PE and init at the seeds it finished.
//   Learning curves: <curves>/<task>.csv (task,pe,init,seed,split,epoch,train_loss,valid_metric,best), rewritten after every
//   run, and <curves>/<task>.png (validation metric per epoch, colour = PE, thick = Xavier, thin = Virgo).
//   Redraw the PNGs from the CSVs: dotnet run -c Release --project benchmarks/GraphResults -- plot [curves]
// Each finished run prints one line (so a stopped run still reports what it did); each task ends with a mean ± std table.
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Cli.Plots;
using Pipelines.Onnx;
using Pipelines.Trainers;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;

CultureInfo.CurrentCulture = CultureInfo.InvariantCulture;
if (args.Length > 0 && args[0] == "plot")
{
    string folder = args.Length > 1 ? args[1] : Path.Combine("benchmarks", "GraphResults", "results", "curves");
    foreach (string csv in Directory.GetFiles(folder, "*.csv"))
    {
        Console.WriteLine(Curves.Plot(csv));
    }

    return;
}

if (args.Length > 0 && args[0] == "profile")
{
    SpeProfile.Run(args, FindShared);
    return;
}

if (args.Length > 0 && args[0] == "speed")
{
    SpeProfile.Speed(args, FindShared);
    return;
}

string[] tasks = (args.Length > 0 ? args[0] : "cycles,zinc,esol,nci109,sizegen").Split(',');
string[] pes = (args.Length > 1 ? args[1] : "none,lap,rwse,spe").Split(',');
int seeds = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 3;
int maxEpochs = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 200;
int patience = args.Length > 4 ? int.Parse(args[4], CultureInfo.InvariantCulture) : 20;
int folds = args.Length > 5 ? int.Parse(args[5], CultureInfo.InvariantCulture) : 10;
int threads = args.Length > 6 ? int.Parse(args[6], CultureInfo.InvariantCulture) : 1;
GnnInit[] inits = [.. (args.Length > 7 ? args[7] : "xavier").Split(',').Select(i => Enum.Parse<GnnInit>(i, ignoreCase: true))];
string speMode = args.Length > 8 ? args[8] : "none";
string curvesDir = args.Length > 9 ? args[9] : Path.Combine("benchmarks", "GraphResults", "results", "curves");
// optional 11th argument: the seeds to run, comma-separated (default 1..seeds), so one task's seeds can run in parallel processes
int plateau = args.Length > 11 ? int.Parse(args[11], CultureInfo.InvariantCulture) : 0;
int[] seedList = args.Length > 10 ? [.. args[10].Split(',').Select(x => int.Parse(x, CultureInfo.InvariantCulture))] : [.. Enumerable.Range(1, seeds)];
SpeNormalization speNorm = speMode.StartsWith("bn", StringComparison.Ordinal) ? SpeNormalization.BatchNorm : SpeNormalization.None;
SpeColumnReduction speReduction = speMode.EndsWith("mean", StringComparison.Ordinal) ? SpeColumnReduction.Mean : SpeColumnReduction.Sum;
Directory.CreateDirectory(curvesDir);
var total = Stopwatch.StartNew();
Console.WriteLine($"GraphResults: tasks={string.Join(",", tasks)} pe={string.Join(",", pes)} seeds={string.Join(",", seedList)} maxEpochs={maxEpochs} patience={patience} plateau={plateau} folds={folds} threads={threads} inits={string.Join(",", inits)} spe={speNorm}/{speReduction} layout={GineOptions.Defaults.MessagePassing}/{GineOptions.Defaults.SpeLayout} cores={Environment.ProcessorCount} curves={curvesDir}");

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

GraphTrainerOptions Options(int seed) => new(Epochs: maxEpochs, BatchSize: 32, LearningRate: 1e-3f, WarmupSteps: 20, Seed: seed, Threads: threads, Patience: patience, Plateau: plateau > 0 ? new PlateauReduction(Patience: plateau) : null);

GineOptions Backbone(int seed, GnnInit init) => new(HiddenSize: 64, Layers: 4, Pooling: GraphPooling.Mean, HeadHiddenSize: 64, Seed: seed, Init: init);

GraphEncoding Encoding(string pe, int k, int seed)
{
    GraphEncoding e = GraphEncoding.Create(Enum.Parse<GraphEncodingKind>(pe, ignoreCase: true), k, seed);
    return e is SpeEncoding s ? s with { Options = s.SpeOptions with { Normalization = speNorm, ColumnReduction = speReduction } } : e;
}

string Name(GnnInit init) => init.ToString().ToLowerInvariant();

void Record(Curves curves, string pe, GnnInit init, int seed, int split, IReadOnlyList<EpochReport> reports)
{
    curves.Add(pe, Name(init), seed, split, reports);
    Curves.Plot(curves.Save());
}

void Cycles()
{
    var all = CycleCountingDataset.Generate(1000, seed: 2024, minNodes: 10, maxNodes: 20, meanDegree: 3.0);
    var trainS = all.Take(600).ToList();
    double[] std = Enumerable.Range(0, 4).Select(c => Std(trainS.Select(s => (double)s.Counts[c]))).ToArray();
    List<Graph> Norm(IEnumerable<CycleCountingSample> s) => s.Select(x => x.Graph.WithTargets(Enumerable.Range(0, 4).Select(c => (float)(x.Counts[c] / std[c])).ToArray())).ToList();
    List<Graph> train = Norm(trainS), valid = Norm(all.Skip(600).Take(200)), test = Norm(all.Skip(800));
    Console.WriteLine($"cycles: 600/200/200 generated graphs (seed 2024), n in [10, 20]; test MAE per cycle length, targets / train std");
    var curves = new Curves(Path.Combine(curvesDir, "cycles.csv"), "MAE");
    var perLength = new Dictionary<(string, GnnInit), List<double[]>>();
    var epochsRun = new Dictionary<(string, GnnInit), List<int>>();
    foreach (int seed in seedList)
    {
        foreach (string pe in pes)
        {
            GraphEncoding enc = Encoding(pe, 20, seed);
            GraphSplit trainSplit = Split(train, enc), validSplit = Split(valid, enc);
            PrecomputedEncoding[] testEnc = PrecomputedEncoding.ComputeMany(test, enc);
            foreach (GnnInit init in inits)
            {
                var def = new GraphModelDefinition(new GraphSchema(1, 1, 0, 4), new GineOptions(HiddenSize: 32, Layers: 3, Pooling: GraphPooling.Sum, HeadHiddenSize: 32, Seed: seed, Init: init), enc, GraphLoss.L1);
                var watch = Stopwatch.StartNew();
                var reports = new List<EpochReport>();
                GraphModel model = GraphTrainer.Train(def, trainSplit, validSplit, Options(seed), new Sink(reports));
                using var predictor = new GraphPredictor(model);
                float[][] y = predictor.Predict(test, testEnc);
                double[] mae = [.. Enumerable.Range(0, 4).Select(c => y.Select((v, i) => (double)Math.Abs(v[c] - test[i].Targets![c])).Average())];
                Add(perLength, (pe, init), mae);
                Add(epochsRun, (pe, init), reports.Count);
                Record(curves, pe, init, seed, 0, reports);
                Console.WriteLine($"  cycles {pe,-4} {Name(init),-6} seed {seed}: MAE C3..C6 {string.Join(" ", mae.Select(m => m.ToString("F4")))}; {reports.Count} epochs, best {reports.Last(r => r.IsBest).Epoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
            }
        }
    }

    var rows = new List<string>();
    foreach (string pe in pes)
    {
        foreach (GnnInit init in inits.Where(i => perLength.ContainsKey((pe, i))))
        {
            List<double[]> r = perLength[(pe, init)];
            rows.Add($"| {pe} | {Name(init)} | {string.Join(" | ", Enumerable.Range(0, 4).Select(c => Cell(r.Select(x => x[c]))))} | {r.Count} | {epochsRun[(pe, init)].Average():F0} |");
        }
    }

    Table("cycles (test MAE, normalised)", "| PE | init | C3 | C4 | C5 | C6 | seeds | epochs |", rows);
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
    var curves = new Curves(Path.Combine(curvesDir, name + ".csv"), "MAE");
    var scores = new Dictionary<(string, GnnInit), List<double>>();
    var epochsRun = new Dictionary<string, List<int>>();
    var pre = new Dictionary<string, PrecomputedEncoding[]>();
    foreach (int seed in seedList)
    {
        foreach (string pe in pes)
        {
            if (!pre.TryGetValue(pe, out PrecomputedEncoding[]? encodings))
            {
                pre[pe] = encodings = PrecomputedEncoding.ComputeMany(data.Graphs, Encoding(pe, 16, 1));
            }

            foreach (GnnInit init in inits)
            {
                var watch = Stopwatch.StartNew();
                var reports = new List<EpochReport>();
                GraphTrainingJob job = GraphTrainingJob.Prepare(data, splitOf(seed), Encoding(pe, 16, seed), encodings);
                GraphTrainingResult r = job.Run(Backbone(seed, init), Options(seed), new Sink(reports));
                double score = r.TestMetric;
                if (rmse)
                {
                    using var predictor = new GraphPredictor(r.Model);
                    float[][] y = predictor.Predict(job.Test.Graphs, job.Test.Encodings);
                    score = Math.Sqrt(y.Select((v, i) => Math.Pow(v[0] - job.Test.Graphs[i].Target, 2)).Average());
                }

                Add(scores, (pe, init), score);
                Add(epochsRun, pe, r.EpochsRun);
                Record(curves, pe, init, seed, 0, reports);
                Console.WriteLine($"  {name} {pe,-4} {Name(init),-6} seed {seed}: test {metric} {score:F4}; {r.EpochsRun} epochs, best {r.BestEpoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
            }
        }
    }

    InitTable($"{name} (test {metric})", scores, epochsRun);
}

void Classification(string name, GraphDataset data, Func<int, IReadOnlyList<GraphDatasetSplit>> splitsOf)
{
    Console.WriteLine($"{name}: {data.Graphs.Count} graphs, {data.ClassCount} classes; test accuracy");
    var curves = new Curves(Path.Combine(curvesDir, name + ".csv"), "accuracy");
    var perSeed = new Dictionary<(string, GnnInit), List<double>>();
    var epochsRun = new Dictionary<string, List<int>>();
    var pre = new Dictionary<string, PrecomputedEncoding[]>();
    foreach (int seed in seedList)
    {
        IReadOnlyList<GraphDatasetSplit> splits = splitsOf(seed);
        foreach (string pe in pes)
        {
            if (!pre.TryGetValue(pe, out PrecomputedEncoding[]? encodings))
            {
                pre[pe] = encodings = PrecomputedEncoding.ComputeMany(data.Graphs, Encoding(pe, 16, 1));
            }

            foreach (GnnInit init in inits)
            {
                var accs = new List<double>();
                for (int f = 0; f < splits.Count; f++)
                {
                    var watch = Stopwatch.StartNew();
                    var reports = new List<EpochReport>();
                    GraphTrainingResult r = GraphTrainingJob.Prepare(data, splits[f], Encoding(pe, 16, seed), encodings).Run(Backbone(seed, init), Options(seed), new Sink(reports));
                    accs.Add(r.TestMetric);
                    Add(epochsRun, pe, r.EpochsRun);
                    Record(curves, pe, init, seed, f, reports);
                    Console.WriteLine($"  {name} {pe,-4} {Name(init),-6} seed {seed} split {f}: test accuracy {r.TestMetric:F4}; {r.EpochsRun} epochs, best {r.BestEpoch} ({watch.Elapsed.TotalSeconds:F0} s; {total.Elapsed.TotalMinutes:F1} min total)");
                }

                Add(perSeed, (pe, init), accs.Average());
            }
        }
    }

    InitTable($"{name} (test accuracy; mean over splits per seed, then mean ± std over seeds)", perSeed, epochsRun);
}

// One row per PE, one column per init: mean ± std over seeds (n = seeds finished).
void InitTable(string title, Dictionary<(string, GnnInit), List<double>> scores, Dictionary<string, List<int>> epochsRun)
{
    var rows = new List<string>();
    foreach (string pe in pes.Where(epochsRun.ContainsKey))
    {
        rows.Add($"| {pe} | {string.Join(" | ", inits.Select(i => scores.TryGetValue((pe, i), out List<double>? xs) ? $"{Cell(xs)} (n={xs.Count})" : "–"))} | {epochsRun[pe].Average():F0} |");
    }

    Table(title, $"| PE | {string.Join(" | ", inits.Select(Name))} | epochs |", rows);
}

static void Add<TKey, TValue>(Dictionary<TKey, List<TValue>> d, TKey key, TValue value)
    where TKey : notnull
{
    if (!d.TryGetValue(key, out List<TValue>? list))
    {
        d[key] = list = [];
    }

    list.Add(value);
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

/// <summary>The learning curves of one task: a CSV of every run's epochs, and its PNG.</summary>
internal sealed class Curves(string path, string metric)
{
    private readonly StringBuilder _csv = new("task,pe,init,seed,split,epoch,train_loss,valid_metric,best\n");

    public void Add(string pe, string init, int seed, int split, IReadOnlyList<EpochReport> reports)
    {
        string task = Path.GetFileNameWithoutExtension(path);
        foreach (EpochReport r in reports)
        {
            _csv.Append(CultureInfo.InvariantCulture, $"{task},{pe},{init},{seed},{split},{r.Epoch},{r.TrainLoss:R},{r.ValidMetric:R},{(r.IsBest ? 1 : 0)}\n");
        }
    }

    /// <summary>Writes the CSV atomically (with a first line naming the metric) and returns its path.</summary>
    public string Save()
    {
        AtomicFile.WriteAllText(path, $"# validation metric: {metric}\n" + _csv);
        return path;
    }

    /// <summary>Draws <c>task.png</c> beside <paramref name="csv"/>: one line per run.</summary>
    public static string Plot(string csv)
    {
        string[] lines = File.ReadAllLines(csv);
        string metric = lines[0].StartsWith('#') ? lines[0].Split(':')[1].Trim() : "metric";
        var rows = lines.Where(l => !l.StartsWith('#')).Skip(1).Select(l => l.Split(',')).ToList();
        var curves = rows.GroupBy(r => (Pe: r[1], Init: r[2], Seed: r[3], Split: r[4]))
            .Select(g => new LearningCurve(g.Key.Pe, g.Key.Init, $"{g.Key.Pe} {g.Key.Init} s{g.Key.Seed}" + (g.Key.Split == "0" ? "" : $" f{g.Key.Split}"),
                [.. g.Select(r => double.Parse(r[5], CultureInfo.InvariantCulture))], [.. g.Select(r => double.Parse(r[7], CultureInfo.InvariantCulture))]))
            .ToList();
        // early BatchNorm epochs can be 100x the settled values: clip at 3x the largest per-run median so the runs stay readable
        double cap = 3 * curves.Max(c => c.Values.Order().ElementAt(c.Values.Count / 2));
        curves = [.. curves.Select(c => c with { Values = [.. c.Values.Select(v => Math.Min(v, cap))] })];
        string png = Path.ChangeExtension(csv, ".png");
        string task = Path.GetFileNameWithoutExtension(csv);
        LearningCurvesPlot.Write(png, curves, metric, $"{task}: validation {metric} per epoch, clipped at {cap:G3} (colour = PE; thick = Xavier, thin = Virgo)");
        return png;
    }
}

internal sealed class Sink(List<EpochReport> reports) : IProgress<EpochReport>
{
    public void Report(EpochReport value) => reports.Add(value);
}
