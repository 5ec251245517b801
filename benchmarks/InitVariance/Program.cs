// Per-layer activation and gradient variance of GINE at initialisation, Xavier vs Virgo (Li et al., ICML 2023), on a
// real TU data set run as one batch; mean over seeds. Writes results/init-variance.png (src/Cli/Plots) and
// results/init-variance.json.
// Run: dotnet run -c Release --project benchmarks/InitVariance -- [TU folder (../shared/data/graphs/tu/MUTAG)] [seeds 5] [layers 6] [hidden 64]
using System.Globalization;
using System.Text.Json;
using Pipelines.Cli.Plots;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;

string here = AppContext.BaseDirectory;
string repo = Path.GetFullPath(Path.Combine(here, "../../../../.."));
string data = args.Length > 0 ? args[0] : Path.GetFullPath(Path.Combine(repo, "../shared/data/graphs/tu/MUTAG"));
int seeds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 5;
int layers = args.Length > 2 ? int.Parse(args[2], CultureInfo.InvariantCulture) : 6;
int hidden = args.Length > 3 ? int.Parse(args[3], CultureInfo.InvariantCulture) : 64;
if (!Directory.Exists(data))
{
    Console.Error.WriteLine($"No data set at '{data}' (a TU folder, e.g. ../shared/data/graphs/tu/MUTAG).");
    return 2;
}

GraphDataset ds = GraphDataset.Load(data, null, null);
var batch = new GraphSplit(ds.Graphs, PrecomputedEncoding.ComputeMany(ds.Graphs, new NoEncoding()));
var schema = new GraphSchema(ds.NodeTypeCount, ds.EdgeTypeCount, 0, ds.IsClassification ? ds.ClassCount : 1);
Console.WriteLine($"{ds.Name}: {ds.Graphs.Count} graphs in one batch, GINE {layers}×{hidden}, sum pooling, {seeds} seeds");
VirgoVariances v = VirgoInitializer.Variances(ds.Graphs, schema, hidden, layers);
Console.WriteLine($"Virgo σ² per layer: {string.Join(", ", v.Combined.Select(x => x.ToString("G3", CultureInfo.InvariantCulture)))} (He 2/m = {2.0 / hidden:G3}, Xavier 1/m = {1.0 / hidden:G3})");

var series = new List<(string Name, IReadOnlyList<LayerVariance> Layers)>();
foreach (GnnInit init in new[] { GnnInit.Xavier, GnnInit.Virgo })
{
    var sum = new (double A, double G)[layers];
    for (int seed = 1; seed <= seeds; seed++)
    {
        var def = new GraphModelDefinition(schema, new GineOptions(hidden, layers, GraphPooling.Sum, hidden, seed, init), new NoEncoding(), ds.IsClassification ? GraphLoss.CrossEntropy : GraphLoss.L1);
        IReadOnlyList<LayerVariance> measured = GraphInitDiagnostics.Measure(def, batch);
        for (int l = 0; l < layers; l++)
        {
            sum[l] = (sum[l].A + measured[l].Activation, sum[l].G + measured[l].Gradient);
        }
    }

    LayerVariance[] mean = [.. sum.Select((s, l) => new LayerVariance(l, s.A / seeds, s.G / seeds))];
    series.Add((init.ToString(), mean));
    double Spread(Func<LayerVariance, double> f) => mean.Max(f) / mean.Min(f);
    Console.WriteLine($"{init,-7} Var(h_ℓ):     {string.Join("  ", mean.Select(m => m.Activation.ToString("E2", CultureInfo.InvariantCulture)))}   max/min ×{Spread(m => m.Activation):F2}");
    Console.WriteLine($"{init,-7} Var(∂L/∂h_ℓ): {string.Join("  ", mean.Select(m => m.Gradient.ToString("E2", CultureInfo.InvariantCulture)))}   max/min ×{Spread(m => m.Gradient):F2}");
}

string results = Path.Combine(repo, "benchmarks/InitVariance/results");
Directory.CreateDirectory(results);
string png = Path.Combine(results, "init-variance.png");
InitVariancePlot.Write(png, series, $"{ds.Name}: GINE {layers}×{hidden} at initialisation, Xavier vs Virgo (mean of {seeds} seeds)");
File.WriteAllText(Path.Combine(results, "init-variance.json"), JsonSerializer.Serialize(new { Data = ds.Name, Graphs = ds.Graphs.Count, Layers = layers, Hidden = hidden, Seeds = seeds, VirgoVariance = v.Combined, Series = series.Select(s => new { s.Name, s.Layers }) }, new JsonSerializerOptions { WriteIndented = true }));
Console.WriteLine($"wrote {png}");
return 0;
