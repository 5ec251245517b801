// SPE stability experiment (Huang et al., ICLR 2024, Theorem 3.1): relative change of the encoding against ‖ΔL‖_F under
// edge-weight perturbations t ∈ [1e-6, 1e-1], for SPE (random φ, ρ; float64 ONNX Runtime), LapPE (canonical sign) and
// RWSE, on degenerate graphs and real molecules. Writes stability.csv and stability.png to the output folder.
// Run: dotnet run -c Release --project benchmarks/GraphStability -- [outDir]
using System.Globalization;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Analysis;
using Pipelines.Transforms.Graphs.Spe;

if (args.Length > 0 && args[0] == "--real")
{
    // dotnet run -c Release --project benchmarks/GraphStability -- --real [outDir] [data-set prefix]
    string realOut = args.Length > 1 ? args[1] : "artifacts/graph-stability";
    Directory.CreateDirectory(realOut);
    RealInvariance.Run(realOut, args.Length > 2 ? args[2] : null);
    return;
}

string outDir = args.Length > 0 ? args[0] : "artifacts/graph-stability";
Directory.CreateDirectory(outDir);
var graphs = new List<(string Name, GraphStructure Graph)>
{
    ("C6", RandomGraphs.Cycle(6)),
    ("K6", RandomGraphs.Complete(6)),
    ("Petersen", RandomGraphs.Petersen()),
    ("Q3", RandomGraphs.Hypercube(3)),
    ("Grid3x3", RandomGraphs.Grid(3, 3)),
    ("C6+K4", RandomGraphs.Cycle(6).DisjointUnion(RandomGraphs.Complete(4))),
};
string zinc = FindShared("molecules/micro_zinc/micro_ZINC.csv");
if (File.Exists(zinc))
{
    foreach (SmilesRecord r in SmilesCsvReader.Read(zinc, "SMILES", "score").Take(4))
    {
        var vocab = AtomTypeVocabulary.Build([r.Molecule]);
        graphs.Add(($"ZINC line {r.Line}", vocab.ToGraph(r.Molecule).ToStructure()));
    }
}
else
{
    Console.WriteLine($"(micro_ZINC not found at {zinc}: molecules skipped)");
}

using var spe = new SpeEncoder(SpeParameters.Initialize(new SpeOptions(EigenvalueFunctions: 8, RhoLayers: 3, RhoHiddenSize: 32, OutputSize: 16, Seed: 1)), TensorElementType.Double);
double[] Spe(GraphStructure g) => spe.Encode([g], [LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount))], g.NodeCount)[0];
double[] Lap(GraphStructure g)
{
    var pe = new float[g.NodeCount * g.NodeCount];
    LaplacianEigenvectorEncoding.Compute(LaplacianSpectrum.Compute(g, new SpectrumOptions(K: g.NodeCount)), g.NodeCount, pe);
    return pe.Select(x => (double)x).ToArray();
}

double[] Rwse(GraphStructure g)
{
    var pe = new float[g.NodeCount * 16];
    RandomWalkEncoding.Compute(g, 16, pe);
    return pe.Select(x => (double)x).ToArray();
}

var encoders = new (string Name, Func<GraphStructure, double[]> Encode)[] { ("SPE", Spe), ("LapPE", Lap), ("RWSE", Rwse) };
double[] ts = EncodingStability.LogSpace(-6, -1, 11);
var csv = new List<string> { "graph,encoding,perturbation,t,dL,dPE_rel" };
var summary = new List<(string Graph, string Enc, EdgePerturbation Kind, double Slope, double AtSmallest)>();
var plot = new ScottPlot.Plot();
ScottPlot.Color[] colors = [ScottPlot.Colors.Blue, ScottPlot.Colors.Red, ScottPlot.Colors.Green];
foreach ((string gname, GraphStructure g) in graphs)
{
    foreach (EdgePerturbation kind in Enum.GetValues<EdgePerturbation>())
    {
        for (int e = 0; e < encoders.Length; e++)
        {
            StabilityPoint[] pts = EncodingStability.Measure(g, encoders[e].Encode, kind, ts, seed: 7);
            foreach (StabilityPoint p in pts)
            {
                csv.Add(string.Join(',', gname, encoders[e].Name, kind, F(p.T), F(p.LaplacianChange), F(p.EncodingChange)));
            }

            summary.Add((gname, encoders[e].Name, kind, EncodingStability.LogLogSlope(pts), pts[0].EncodingChange));
            if (kind == EdgePerturbation.SingleEdge)
            {
                var valid = pts.Where(p => p.EncodingChange > 0).ToArray();
                var line = plot.Add.ScatterLine(valid.Select(p => Math.Log10(p.LaplacianChange)).ToArray(), valid.Select(p => Math.Log10(p.EncodingChange)).ToArray());
                line.Color = colors[e].WithAlpha(0.6);
                line.LineWidth = 1.5f;
                if (gname == graphs[0].Name)
                {
                    line.LegendText = encoders[e].Name;
                }
            }
        }
    }
}

var half = plot.Add.Line(-6.5, -3.75, -1, -1.0);
half.LinePattern = ScottPlot.LinePattern.Dashed;
half.Color = ScottPlot.Colors.Gray;
half.LegendText = "slope ½";
plot.Title("PE stability under one edge-weight perturbation (degenerate graphs + micro-ZINC)");
plot.XLabel("log10 ‖ΔL‖_F");
plot.YLabel("log10 ‖ΔPE‖_F / ‖PE‖_F");
plot.ShowLegend(ScottPlot.Alignment.LowerRight);
string png = Path.Combine(outDir, "stability.png");
plot.SavePng(png, 900, 600);
File.WriteAllLines(Path.Combine(outDir, "stability.csv"), csv);

Console.WriteLine($"{"graph",-16} {"perturbation",-13} {"SPE slope",9} {"SPE Δ@1e-6",11} {"LapPE slope",11} {"LapPE Δ@1e-6",13} {"RWSE slope",10}");
foreach (var grp in summary.GroupBy(s => (s.Graph, s.Kind)))
{
    var spe1 = grp.Single(s => s.Enc == "SPE");
    var lap1 = grp.Single(s => s.Enc == "LapPE");
    var rw1 = grp.Single(s => s.Enc == "RWSE");
    Console.WriteLine($"{grp.Key.Graph,-16} {grp.Key.Kind,-13} {spe1.Slope,9:F3} {spe1.AtSmallest,11:E2} {lap1.Slope,11:F3} {lap1.AtSmallest,13:E2} {rw1.Slope,10:F3}");
}

Console.WriteLine($"wrote {png}");

static string F(double x) => x.ToString("G6", CultureInfo.InvariantCulture);

static string FindShared(string relative)
{
    string? dir = Directory.GetCurrentDirectory();
    while (dir is not null)
    {
        foreach (string c in new[] { Path.Combine(dir, "shared", "data", relative), Path.Combine(dir, "..", "shared", "data", relative) })
        {
            if (File.Exists(c))
            {
                return Path.GetFullPath(c);
            }
        }

        dir = Path.GetDirectoryName(dir);
    }

    return relative;
}
