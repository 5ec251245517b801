using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using Pipelines.Cli.Infrastructure;
using Pipelines.Numerics.Topology;
using Pipelines.Onnx;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines topo persistence</c> (Rips persistence pairs of a point file) and <c>pipelines topo vectorize</c>
/// (signed-measure features of a point-cloud CSV, TU graph folder or UCR tsv, written as CSV).
/// </summary>
internal static class TopoCommand
{
    /// <summary>Bifiltrations selectable with <c>--filtration</c>.</summary>
    internal enum Filtration
    {
        RipsKde,
        RipsDtm,
        RipsKnn,
        GraphHksRicci,
        GraphHksDegree,
        GraphDegreeCloseness,
    }

    public static Command Create()
    {
        var topo = new Command("topo", "Persistent homology: Rips persistence pairs and signed-measure feature vectors.");
        topo.Subcommands.Add(Persistence());
        topo.Subcommands.Add(Vectorize());
        return topo;
    }

    private static Command Persistence()
    {
        var points = new Option<FileInfo>("--points") { Description = "Point file: one point per line, coordinates separated by commas, spaces or tabs.", Required = true };
        var maxdim = new Option<int>("--maxdim") { Description = "Highest homology degree.", DefaultValueFactory = _ => 1 };
        var threshold = new Option<float?>("--threshold") { Description = "Largest edge length (default: enclosing radius)." };
        var maxBytes = new Option<long>("--max-mib") { Description = "Memory budget of the complex in MiB (pre-flight refusal).", DefaultValueFactory = _ => 4096 };
        var command = new Command("persistence", "Vietoris–Rips persistence pairs per homology degree.") { points, maxdim, threshold, maxBytes };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            FileInfo file = parsed.GetValue(points)!;
            (float[] coords, int dim) = ReadPoints(file.FullName);
            var watch = Stopwatch.StartNew();
            var options = new RipsOptions
            {
                MaxDimension = parsed.GetValue(maxdim),
                Threshold = parsed.GetValue(threshold),
                Budget = ComplexBudget.Default with { MaxBytes = parsed.GetValue(maxBytes) << 20 },
            };
            PersistenceDiagram dgm = RipsPersistence.Compute(coords, dim, options);
            double seconds = watch.Elapsed.TotalSeconds;
            if (!console.Json)
            {
                for (int d = 0; d <= dgm.MaxDimension; d++)
                {
                    console.StdOut.WriteLine($"H{d}: {dgm.InDimension(d).Length} intervals");
                    foreach (PersistencePair p in dgm.InDimension(d))
                    {
                        console.StdOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  [{p.Birth:G6}, {(p.IsEssential ? "inf" : p.Death.ToString("G6", CultureInfo.InvariantCulture))})"));
                    }
                }

                console.StdErr.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{coords.Length / Math.Max(dim, 1)} points in R^{dim}, {seconds:F3} s"));
            }

            console.WriteJson(new
            {
                Points = coords.Length / Math.Max(dim, 1),
                Dimension = dim,
                Seconds = seconds,
                Diagram = Enumerable.Range(0, dgm.MaxDimension + 1).Select(d => new
                {
                    Degree = d,
                    Pairs = dgm.InDimension(d).ToArray().Select(p => new[] { (double)p.Birth, p.IsEssential ? double.PositiveInfinity : p.Death }).Select(a => a.Select(x => double.IsInfinity(x) ? (double?)null : x)),
                }),
            });
            return CommandRunner.Ok;
        });
        return command;
    }

    private static Command Vectorize()
    {
        var input = new Option<string>("--input") { Description = "Point-cloud CSV (x,…,label per line), TU dataset folder, or UCR .tsv file.", Required = true };
        var filtration = new Option<string>("--filtration") { Description = "rips-kde | rips-dtm | rips-knn (points, series) or graph-hks-ricci | graph-hks-degree | graph-degree-closeness (graphs).", DefaultValueFactory = _ => "rips-dtm" };
        var invariant = new Option<string>("--invariant") { Description = "hilbert | euler.", DefaultValueFactory = _ => "hilbert" };
        var vectorizer = new Option<string>("--vectorizer") { Description = "conv | sw.", DefaultValueFactory = _ => "conv" };
        var resolution = new Option<int>("--resolution") { Description = "Grid resolution per parameter (output resolution is half of it, at least 4).", DefaultValueFactory = _ => 20 };
        var cloudSize = new Option<int>("--cloud-size") { Description = "Rows per point cloud in a CSV input.", DefaultValueFactory = _ => 125 };
        var threshold = new Option<float?>("--threshold") { Description = "Rips edge threshold (default: enclosing radius of each cloud)." };
        var output = new Option<FileInfo>("--out") { Description = "Features CSV (label, f0, f1, …).", Required = true };
        var save = new Option<FileInfo?>("--save-transformer") { Description = "Also save the fitted transformer (versioned binary)." };
        var command = new Command("vectorize", "Signed-measure features (Hilbert/Euler measure of a bifiltration, convolved or sliced-Wasserstein) for every row of a data set.")
        {
            input, filtration, invariant, vectorizer, resolution, cloudSize, threshold, output, save,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            string path = parsed.GetValue(input)!;
            Filtration f = ParseEnum<Filtration>(parsed.GetValue(filtration)!, "--filtration");
            SignedMeasureInvariant inv = ParseEnum<SignedMeasureInvariant>(parsed.GetValue(invariant)!, "--invariant");
            SignedMeasureVectorizer vec = parsed.GetValue(vectorizer) switch
            {
                "conv" => SignedMeasureVectorizer.Convolution,
                "sw" => SignedMeasureVectorizer.SlicedWasserstein,
                var other => throw new UsageException($"--vectorizer must be conv or sw, got '{other}'."),
            };
            int res = parsed.GetValue(resolution);
            if (res < 2)
            {
                throw new UsageException("--resolution must be at least 2.");
            }

            (List<(float[] Values, int Nodes, string Label)> rows, TopologyInput topoInput) = Load(path, f, parsed.GetValue(cloudSize));
            bool graph = topoInput is GraphInput;
            if (graph != f.ToString().StartsWith("Graph", StringComparison.Ordinal))
            {
                throw new UsageException($"--filtration {parsed.GetValue(filtration)} does not fit the input ({(graph ? "graphs" : "points or series")}).");
            }

            var options = new SignedMeasureOptions
            {
                OutputColumnName = "Features",
                Input = topoInput,
                Codensity = f switch { Filtration.RipsKde => CodensityKind.GaussianKde, Filtration.RipsKnn => CodensityKind.KnnDistance, _ => CodensityKind.DistanceToMeasure },
                CodensityParameter = f switch { Filtration.RipsKde => 0.3f, Filtration.RipsKnn => 5f, _ => 0.1f },
                Threshold = parsed.GetValue(threshold),
                Invariant = inv,
                Vectorizer = vec,
                GridResolution = res,
                OutputResolution = Math.Max(4, res / 2),
            };
            var watch = Stopwatch.StartNew();
            var ml = new Microsoft.ML.MLContext(seed: 0);
            SignedMeasureTransformer transformer = ml.Transforms.Topology.SignedMeasure(options).Fit(
                ml.Data.LoadFromEnumerable(rows.Select(r => new VectorRow { Features = r.Values, Nodes = r.Nodes })));
            var features = new float[rows.Count][];
            int done = 0;
            for (int start = 0; start < rows.Count; start += 64)
            {
                int end = Math.Min(rows.Count, start + 64);
                Parallel.For(start, end, i => features[i] = transformer.Featurize(rows[i].Values, rows[i].Nodes));
                done = end;
                if (!console.Json)
                {
                    console.StdErr.Write($"\rfeaturized {done}/{rows.Count}");
                }
            }

            if (!console.Json)
            {
                console.StdErr.WriteLine();
            }

            FileInfo outFile = parsed.GetValue(output)!;
            var sb = new StringBuilder();
            sb.Append("label");
            for (int k = 0; k < options.OutputLength; k++)
            {
                sb.Append(CultureInfo.InvariantCulture, $",f{k}");
            }

            sb.Append('\n');
            for (int i = 0; i < rows.Count; i++)
            {
                sb.Append(rows[i].Label);
                foreach (float x in features[i])
                {
                    sb.Append(',').Append(x.ToString("R", CultureInfo.InvariantCulture));
                }

                sb.Append('\n');
            }

            AtomicFile.WriteAllText(outFile.FullName, sb.ToString());
            if (parsed.GetValue(save) is { } saveFile)
            {
                transformer.Save(saveFile.FullName);
            }

            double seconds = watch.Elapsed.TotalSeconds;
            if (!console.Json)
            {
                console.StdOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Count} rows → {options.OutputLength} features each, {seconds:F2} s → {outFile.FullName}"));
            }

            console.WriteJson(new { Rows = rows.Count, Features = options.OutputLength, Seconds = seconds, Output = outFile.FullName, Grid1 = transformer.FirstGrid.Count, Grid2 = transformer.SecondGrid.Count });
            return CommandRunner.Ok;
        });
        return command;
    }

    private sealed class VectorRow
    {
        [Microsoft.ML.Data.VectorType]
        public float[] Features { get; set; } = [];

        public int Nodes { get; set; }
    }

    private static (List<(float[] Values, int Nodes, string Label)> Rows, TopologyInput Input) Load(string path, Filtration f, int cloudSize)
    {
        if (Directory.Exists(path))
        {
            var graphs = TopologyDatasets.ReadTuDataset(path);
            (GraphVertexFunctionKind a, GraphVertexFunctionKind b) = f switch
            {
                Filtration.GraphHksDegree => (GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree),
                Filtration.GraphDegreeCloseness => (GraphVertexFunctionKind.Degree, GraphVertexFunctionKind.Closeness),
                _ => (GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci),
            };
            return ([.. graphs.Select(g => (g.Edges, g.NodeCount, g.Label))], new GraphInput("Nodes", a, b));
        }

        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Input not found: {path}", path);
        }

        if (path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase))
        {
            return ([.. TopologyDatasets.ReadUcr(path).Select(r => (r.Values, 0, r.Label))], new TimeSeriesInput());
        }

        List<LabelledVector> clouds = TopologyDatasets.ReadPointCloudCsv(path, cloudSize, out int dim);
        return ([.. clouds.Select(c => (c.Values, 0, c.Label))], new PointCloudInput(dim));
    }

    private static T ParseEnum<T>(string text, string option)
        where T : struct, Enum
    {
        string name = text.Replace("-", string.Empty, StringComparison.Ordinal);
        return Enum.TryParse(name, ignoreCase: true, out T value) && Enum.IsDefined(value)
            ? value
            : throw new UsageException($"{option}: unknown value '{text}'.");
    }

    internal static (float[] Points, int Dimension) ReadPoints(string path)
    {
        var values = new List<float>();
        int dim = -1;
        int lineNo = 0;
        foreach (string line in File.ReadLines(path))
        {
            lineNo++;
            string[] parts = line.Split([',', ' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length == 0 || parts[0].StartsWith('#'))
            {
                continue;
            }

            if (dim >= 0 && parts.Length != dim)
            {
                throw new InvalidDataException($"{path} line {lineNo}: {parts.Length} coordinates, expected {dim}.");
            }

            dim = parts.Length;
            foreach (string p in parts)
            {
                if (!float.TryParse(p, NumberStyles.Float, CultureInfo.InvariantCulture, out float v))
                {
                    throw new InvalidDataException($"{path} line {lineNo}: '{p}' is not a number.");
                }

                values.Add(v);
            }
        }

        return ([.. values], Math.Max(dim, 1));
    }
}
