using System.Diagnostics;
using System.Globalization;
using Pipelines.Numerics.Graphs;
using Pipelines.Onnx;
using Pipelines.Transforms.Graphs.Analysis;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;

/// <summary>
/// <c>--real</c>: SPE (float64, fixed random φ/ρ = SpeOptions.Compact(16, 7)) on every graph of each real data set,
/// relabelled at random and rotated inside degenerate eigenspaces, under the old default (fixed d = min(n, 16)) and the
/// new one (full spectrum ≤ 128 nodes, eigengap cut above). Prints how many graphs each breaks (relative difference
/// above 1e-5) and the largest difference, and writes real_invariance.csv.
/// </summary>
internal static class RealInvariance
{
    private const double Tolerance = 1e-5;

    public static void Run(string outDir, string? only)
    {
        var sets = new List<(string Name, string Path)>
        {
            ("fixture (micro-ZINC 300)", Locate("tests/fixtures/molecules/micro_zinc_300.csv", fromRepo: true)),
            ("micro-ZINC", Locate("molecules/micro_zinc/micro_ZINC.csv")),
            ("ESOL", Locate("molecules/esol/esol.csv")),
            ("MUTAG", Locate("graphs/tu/MUTAG")),
            ("PROTEINS", Locate("graphs/tu/PROTEINS")),
            ("NCI109", Locate("graphs/tu/NCI109")),
        };
        using var spe = new SpeEncoder(SpeParameters.Initialize(SpeOptions.Compact(16, seed: 7)), TensorElementType.Double);
        var csv = new List<string> { "dataset,truncation,graphs,broken,max_rel,max_abs,graphs_cut,pairs_cut,seconds" };
        Console.WriteLine($"{"data set",-26} {"graphs",7} {"old fixed: broken",18} {"max rel",10} {"max |Δ|",10}   {"new full: broken",17} {"max rel",10} {"max |Δ|",10} {"cut graphs",11}");
        foreach ((string name, string path) in sets)
        {
            if (only is not null && !name.StartsWith(only, StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (!File.Exists(path) && !Directory.Exists(path))
            {
                Console.WriteLine($"{name,-26} (not found: {path})");
                continue;
            }

            var graphs = GraphDataset.Load(path, smilesColumn: path.EndsWith("esol.csv", StringComparison.Ordinal) ? "smiles" : null).Graphs.Select(g => g.ToStructure()).ToList();
            var results = new List<(InvarianceCheck[] Checks, SpectrumCut Cut)>();
            foreach (SpectrumTruncation t in new[] { SpectrumTruncation.Fixed, SpectrumTruncation.Full })
            {
                var options = new SpectrumOptions(K: 16, Truncation: t);
                var watch = Stopwatch.StartNew();
                InvarianceCheck[] checks = EncodingInvariance.Spe(graphs, spe, options, seed: 2026);
                SpectrumCut cut = SpectrumCut.Of(LaplacianSpectrum.ComputeMany(graphs, options));
                results.Add((checks, cut));
                csv.Add(string.Join(',', name, t.ToString().ToLowerInvariant(), graphs.Count, checks.Count(c => c.RelativeDifference > Tolerance),
                    G(checks.Max(c => c.RelativeDifference)), G(checks.Max(c => c.MaxAbsDifference)), cut.Graphs, cut.Eigenpairs, G(watch.Elapsed.TotalSeconds)));
            }

            (InvarianceCheck[] old, _) = results[0];
            (InvarianceCheck[] now, SpectrumCut nowCut) = results[1];
            Console.WriteLine($"{name,-26} {graphs.Count,7} {old.Count(c => c.RelativeDifference > Tolerance),18} {old.Max(c => c.RelativeDifference),10:E2} {old.Max(c => c.MaxAbsDifference),10:E2}   {now.Count(c => c.RelativeDifference > Tolerance),17} {now.Max(c => c.RelativeDifference),10:E2} {now.Max(c => c.MaxAbsDifference),10:E2} {nowCut.Graphs,11}");
        }

        string file = Path.Combine(outDir, "real_invariance.csv");
        File.WriteAllLines(file, csv);
        Console.WriteLine($"broken = relative difference > {Tolerance:G}; wrote {file}");
    }

    private static string G(double x) => x.ToString("G4", CultureInfo.InvariantCulture);

    private static string Locate(string relative, bool fromRepo = false)
    {
        string? dir = Directory.GetCurrentDirectory();
        while (dir is not null)
        {
            string[] candidates = fromRepo
                ? [Path.Combine(dir, relative)]
                : [Path.Combine(dir, "shared", "data", relative), Path.Combine(dir, "..", "shared", "data", relative)];
            foreach (string c in candidates)
            {
                if (File.Exists(c) || Directory.Exists(c))
                {
                    return Path.GetFullPath(c);
                }
            }

            dir = Path.GetDirectoryName(dir);
        }

        return relative;
    }
}
