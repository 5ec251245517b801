using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Pipelines.Cli.Infrastructure;
using Pipelines.Cli.Plots;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Cli.Commands;

/// <summary>
/// <c>pipelines topo persistence</c> (Rips persistence pairs of a point file) and <c>pipelines topo vectorize</c>
/// (signed-measure features of a point-cloud CSV, TU graph folder or UCR tsv, written as CSV).
/// </summary>
internal static class TopoCommand
{
    public static Command Create()
    {
        var topo = new Command("topo", "Persistent homology: Rips persistence pairs and signed-measure feature vectors.");
        topo.Subcommands.Add(Persistence());
        topo.Subcommands.Add(Vectorize());
        topo.Subcommands.Add(Represent());
        return topo;
    }

    private static Command Represent()
    {
        var diagrams = new Option<FileInfo[]>("--diagrams") { Description = "Diagram files written by 'topo persistence --json' (one row each).", Required = true, AllowMultipleArgumentsPerToken = true };
        var degree = new Option<int>("--degree") { Description = "Homology degree represented.", DefaultValueFactory = _ => 1 };
        var representation = new Option<string>("--representation") { Description = "image | landscape | betti-curve | silhouette | entropy.", DefaultValueFactory = _ => "landscape" };
        var resolution = new Option<int>("--resolution") { Description = "Samples per curve, pixels per image axis.", DefaultValueFactory = _ => DiagramRepresentationOptions.Defaults.Resolution };
        var landscapes = new Option<int>("--landscapes") { Description = "Number of landscapes.", DefaultValueFactory = _ => DiagramRepresentationOptions.Defaults.Landscapes };
        var bandwidth = new Option<float>("--bandwidth") { Description = "Persistence-image σ (filtration units).", DefaultValueFactory = _ => DiagramRepresentationOptions.Defaults.Bandwidth };
        var output = new Option<FileInfo>("--out") { Description = "Features CSV (file, f0, f1, …).", Required = true };
        var save = new Option<FileInfo?>("--save-transformer") { Description = "Also save the fitted transformer (versioned binary)." };
        var command = new Command("represent", "One-parameter representations (GUDHI's: persistence image, landscape, Betti curve, silhouette, entropy) of persistence diagrams, ranges fitted on all of them.")
        {
            diagrams, degree, representation, resolution, landscapes, bandwidth, output, save,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            string name = parsed.GetValue(representation)!;
            var options = new DiagramRepresentationOptions
            {
                OutputColumnName = "Features",
                Representation = name == "image" ? DiagramRepresentation.PersistenceImage : ParseEnum<DiagramRepresentation>(name, "--representation"),
                Resolution = parsed.GetValue(resolution),
                Landscapes = parsed.GetValue(landscapes),
                Bandwidth = parsed.GetValue(bandwidth),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e)
            {
                throw new UsageException($"{e.ParamName}: {e.Message}");
            }

            FileInfo[] files = parsed.GetValue(diagrams)!;
            float[][] rows = [.. files.Select(f => DiagramJson.Read(f.FullName, parsed.GetValue(degree)))];
            DiagramRepresentationTransformer t = DiagramRepresentationTransformer.Fit(options, rows);
            FileInfo outFile = parsed.GetValue(output)!;
            FeatureCsv.Write(outFile.FullName, "file", [.. files.Select(f => f.Name)], [.. rows.Select(r => t.Featurize(r))], options.OutputLength);
            if (parsed.GetValue(save) is { } saveFile)
            {
                t.Save(saveFile.FullName);
            }

            if (!console.Json)
            {
                console.StdOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{rows.Length} diagrams → {options.OutputLength} features each, range [{t.Range.First:G6}, {t.Range.Last:G6}] → {outFile.FullName}"));
            }

            console.WriteJson(new { Rows = rows.Length, Features = options.OutputLength, t.Range.First, t.Range.Last, t.Range.PersistenceMax, Output = outFile.FullName });
            return CommandRunner.Ok;
        });
        return command;
    }

    private static Command Persistence()
    {
        var points = new Option<FileInfo>("--points") { Description = "Point file: one point per line, coordinates separated by commas, spaces or tabs.", Required = true };
        var maxdim = new Option<int>("--maxdim") { Description = "Highest homology degree.", DefaultValueFactory = _ => RipsOptions.Defaults.MaxDimension };
        var threshold = new Option<float?>("--threshold") { Description = "Largest edge length (default: enclosing radius)." };
        var maxBytes = new Option<long>("--max-mib") { Description = "Memory budget of the complex in MiB (pre-flight refusal).", DefaultValueFactory = _ => ComplexBudget.Default.MaxBytes >> 20 };
        var plot = new Option<string?>("--plot") { Description = "Also draw the persistence diagram and barcode: a folder (→ persistence-diagram.png, persistence-barcode.png) or a file prefix (→ <prefix>-diagram.png, <prefix>-barcode.png)." };
        var collapse = new Option<string>("--edge-collapse") { Description = "off | on | auto: edge-collapse the Rips graph first (same diagram; auto = when --maxdim ≥ 3).", DefaultValueFactory = _ => RipsOptions.Defaults.EdgeCollapse.ToString().ToLowerInvariant() };
        var sparse = new Option<float?>("--sparse") { Description = "Sparse Rips approximation ε in (0, 1) (GUDHI's sparse=ε): far fewer edges on large clouds; every diagram point moves by at most a factor 1/(1 − ε). Default: exact." };
        var command = new Command("persistence", "Vietoris–Rips persistence pairs per homology degree.") { points, maxdim, threshold, maxBytes, collapse, sparse, plot };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            FileInfo file = parsed.GetValue(points)!;
            (float[] coords, int dim) = PointCloudReader.Read(file.FullName);
            var watch = Stopwatch.StartNew();
            var options = new RipsOptions
            {
                MaxDimension = parsed.GetValue(maxdim),
                Threshold = parsed.GetValue(threshold),
                Budget = ComplexBudget.Default with { MaxBytes = MiB(parsed.GetValue(maxBytes)) },
                EdgeCollapse = ParseEnum<EdgeCollapseMode>(parsed.GetValue(collapse)!, "--edge-collapse"),
                SparseApproximation = parsed.GetValue(sparse),
            };
            try
            {
                options.Validate();
            }
            catch (ArgumentOutOfRangeException e) when (e.ParamName == nameof(RipsOptions.SparseApproximation))
            {
                throw new UsageException($"--sparse {e.ActualValue}: the sparse Rips approximation ε must be in (0, 1).");
            }
            catch (ArgumentException e)
            {
                throw new UsageException(e.Message);
            }

            PersistenceDiagram dgm = RipsPersistence.Compute(coords, dim, options, console.Cancellation);
            double seconds = watch.Elapsed.TotalSeconds;
            string[] pictures = [];
            if (parsed.GetValue(plot) is { } target)
            {
                string title = $"{file.Name}: {coords.Length / Math.Max(dim, 1)} points, Vietoris–Rips";
                pictures =
                [
                    PersistencePlots.WriteDiagram(PlotPaths.Resolve(target, "persistence", "diagram"), dgm, $"{title} diagram").Path,
                    PersistencePlots.WriteBarcode(PlotPaths.Resolve(target, "persistence", "barcode"), dgm, $"{title} barcode").Path,
                ];
                foreach (string picture in pictures)
                {
                    console.StdErr.WriteLine($"wrote {picture}");
                }
            }
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
                Plots = pictures,
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
        var filtration = new Option<string>("--filtration") { Description = $"{string.Join(" | ", BifiltrationPreset.All.Where(p => !p.ForGraphs).Select(p => p.Name))} (points, series) or {string.Join(" | ", BifiltrationPreset.All.Where(p => p.ForGraphs).Select(p => p.Name))} (graphs).", DefaultValueFactory = _ => BifiltrationPreset.Default.Name };
        var invariant = new Option<string>("--invariant") { Description = "hilbert | euler | rank | mma (rank: O(grid⁴) memory, refused above --max-mib).", DefaultValueFactory = _ => SignedMeasureOptions.Defaults.Invariant.ToString().ToLowerInvariant() };
        var vectorizer = new Option<string>("--vectorizer") { Description = $"conv | sw (signed measures and barcodes); {TopoMmaVectorize.ImageName} | {TopoMmaVectorize.LandscapeName} (MMA).", DefaultValueFactory = _ => VectorizerName(SignedMeasureOptions.Defaults.Vectorizer) };
        var resolution = new Option<int>("--resolution") { Description = "Grid resolution per parameter (output resolution is half of it, at least 4).", DefaultValueFactory = _ => SignedMeasureOptions.Defaults.GridResolution };
        var cloudSize = new Option<int>("--cloud-size") { Description = "Rows per point cloud in a CSV input.", DefaultValueFactory = _ => TopologyDataset.Defaults.PointsPerCloud };
        var threshold = new Option<float?>("--threshold") { Description = "Rips edge threshold (default: enclosing radius of each cloud)." };
        var embedding = new Option<int>("--embedding-dimension") { Description = "Series: delay-embedding dimension D.", DefaultValueFactory = _ => TimeSeriesInput.Defaults.Dimension };
        var delay = new Option<int>("--delay") { Description = "Series: delay τ between the coordinates of an embedded point.", DefaultValueFactory = _ => TimeSeriesInput.Defaults.Delay };
        var skip = new Option<int>("--skip") { Description = "Series: stride between embedded points (subsampling; 1 keeps every point).", DefaultValueFactory = _ => TimeSeriesInput.Defaults.Skip };
        var seriesFiltration = new Option<string>("--series-filtration") { Description = "Series: delay | sublevel | difference, or a comma list whose features are concatenated in that order (sublevel: the series' own sublevel × time bifiltration, x and −x; difference: the same of its first difference; the UCR recipe is delay,sublevel).", DefaultValueFactory = _ => SeriesFiltrationName(TimeSeriesInput.Defaults.Filtration) };
        var output = new Option<FileInfo>("--out") { Description = "Features CSV (label, f0, f1, …).", Required = true };
        var save = new Option<FileInfo?>("--save-transformer") { Description = "Also save the fitted transformer (versioned binary)." };
        var maxBytes = new Option<long>("--max-mib") { Description = "Memory budget of each row's complex (and of the rank invariant's O(grid⁴) tensors) in MiB (pre-flight refusal).", DefaultValueFactory = _ => ComplexBudget.Default.MaxBytes >> 20 };
        var plot = new Option<string?>("--plot") { Description = "Also draw one row's signed measure (one heat map per homology degree, or the Euler measure): a folder (→ signed-measure-h0.png, …) or a file prefix (→ <prefix>-h0.png, …)." };
        var plotRow = new Option<int>("--plot-row") { Description = "The row --plot draws (0-based).", DefaultValueFactory = _ => 0 };
        var precision = new Option<float>("--precision") { Description = "MMA line spacing δ on the fitted unit square (smaller: more lines, finer summands).", DefaultValueFactory = _ => MmaOptions.Defaults.Precision };
        var command = new Command("vectorize", "Signed-measure features (Hilbert/Euler measure or rank signed barcode of a bifiltration, convolved or sliced-Wasserstein) or MMA features (module approximation, kernel image or landscapes) for every row of a data set.")
        {
            input, filtration, invariant, vectorizer, resolution, cloudSize, threshold, embedding, delay, skip, seriesFiltration, output, save, maxBytes, plot, plotRow, precision,
        };
        CommandRunner.SetHandler(command, (parsed, console) =>
        {
            string path = parsed.GetValue(input)!;
            if (!BifiltrationPreset.TryParse(parsed.GetValue(filtration), out BifiltrationPreset? preset))
            {
                throw new UsageException($"--filtration: unknown value '{parsed.GetValue(filtration)}'.");
            }

            bool mma = TopoMmaVectorize.Selected(parsed.GetValue(invariant)!, parsed.GetValue(vectorizer)!);
            SignedMeasureInvariant inv = mma ? SignedMeasureOptions.Defaults.Invariant : ParseEnum<SignedMeasureInvariant>(parsed.GetValue(invariant)!, "--invariant");
            SignedMeasureVectorizer vec = mma ? SignedMeasureOptions.Defaults.Vectorizer : parsed.GetValue(vectorizer) switch
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

            if (parsed.GetValue(plot) is not null && (mma || inv == SignedMeasureInvariant.Rank))
            {
                throw new UsageException($"--plot draws Hilbert or Euler signed measures; --invariant {parsed.GetValue(invariant)} has none to draw.");
            }

            TopologyDataset data = TopologyDataset.Load(path, parsed.GetValue(cloudSize));
            if (!preset.Fits(data.Kind))
            {
                throw new UsageException($"--filtration {parsed.GetValue(filtration)} does not fit the input ({(data.Kind == TopologyDataKind.Graphs ? "graphs" : "points or series")}).");
            }

            var series = new TimeSeriesInput(parsed.GetValue(embedding), parsed.GetValue(delay), parsed.GetValue(skip));
            if (series.Dimension < 1 || series.Delay < 1 || series.Skip < 1)
            {
                throw new UsageException("--embedding-dimension, --delay and --skip must be at least 1.");
            }

            SeriesFiltration[] parts = [.. parsed.GetValue(seriesFiltration)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ParseSeriesFiltration)];
            if (parts.Length == 0)
            {
                throw new UsageException("--series-filtration needs at least one of delay, sublevel, difference.");
            }

            bool seriesOptionGiven = parts.Length > 1 || parts[0] != TimeSeriesInput.Defaults.Filtration;
            if (seriesOptionGiven && data.Kind != TopologyDataKind.TimeSeries)
            {
                throw new UsageException("--series-filtration applies to series (a UCR .tsv input) only.");
            }

            if (seriesOptionGiven && mma)
            {
                throw new UsageException("--series-filtration: MMA decomposes delay-embedded series only; use --invariant hilbert, euler or rank.");
            }

            if (parts.Length > 1 && (parsed.GetValue(save) is not null || parsed.GetValue(plot) is not null))
            {
                throw new UsageException("--save-transformer and --plot take one filtration: run once per --series-filtration part.");
            }

            TopologyInput? seriesInput = data.Kind == TopologyDataKind.TimeSeries ? series with { Filtration = parts[0] } : null;
            if (mma)
            {
                return TopoMmaVectorize.Run(console, data, preset, seriesInput, parsed.GetValue(vectorizer)!, res, parsed.GetValue(threshold), parsed.GetValue(precision), MiB(parsed.GetValue(maxBytes)), parsed.GetValue(output)!, parsed.GetValue(save));
            }

            SignedMeasureOptions preset0 = preset.CreateOptions(data);
            SignedMeasureOptions options = preset0 with
            {
                Input = seriesInput ?? preset0.Input,
                Threshold = parsed.GetValue(threshold),
                Invariant = inv,
                Vectorizer = vec,
                GridResolution = res,
                OutputResolution = SignedMeasureOptions.Defaults.OutputResolutionFor(res),
                Budget = ComplexBudget.Default with { MaxBytes = MiB(parsed.GetValue(maxBytes)) },
            };
            var watch = Stopwatch.StartNew();
            SignedMeasureFeatures result = SignedMeasureVectorization.Run(data, options, console.Json ? null : new FeatureCsv.Progress(console), console.Cancellation);
            IReadOnlyList<float[]> features = result.Features;
            int width = options.OutputLength;
            foreach (SeriesFiltration part in parts.Skip(1))
            {
                // The other parts of a comma list, concatenated after the first (each fits its own grids).
                SignedMeasureOptions more = options with { Input = series with { Filtration = part } };
                IReadOnlyList<float[]> next = SignedMeasureVectorization.Run(data, more, console.Json ? null : new FeatureCsv.Progress(console), console.Cancellation).Features;
                features = [.. features.Zip(next, (a, b) => (float[])[.. a, .. b])];
                width += more.OutputLength;
            }

            if (!console.Json)
            {
                console.StdErr.WriteLine();
            }

            FileInfo outFile = parsed.GetValue(output)!;
            FeatureCsv.Write(outFile.FullName, "label", [.. data.Rows.Select(r => r.Label)], features, width);
            if (parsed.GetValue(save) is { } saveFile)
            {
                result.Transformer.Save(saveFile.FullName);
            }

            double seconds = watch.Elapsed.TotalSeconds;
            string[] pictures = parsed.GetValue(plot) is { } target
                ? PlotMeasures(target, data, result.Transformer, parsed.GetValue(plotRow), preset.Name)
                : [];
            foreach (string picture in pictures)
            {
                console.StdErr.WriteLine($"wrote {picture}");
            }

            if (!console.Json)
            {
                console.StdOut.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{data.Rows.Count} rows → {width} features each, {seconds:F2} s → {outFile.FullName}"));
            }

            console.WriteJson(new { Rows = data.Rows.Count, Features = width, Seconds = seconds, Output = outFile.FullName, Grid1 = result.Transformer.FirstGrid.Count, Grid2 = result.Transformer.SecondGrid.Count, Plots = pictures });
            return CommandRunner.Ok;
        });
        return command;
    }

    /// <summary>Draws row <paramref name="row"/>'s signed measures, one heat map each (H0, H1, … or Euler).</summary>
    private static string[] PlotMeasures(string target, TopologyDataset data, SignedMeasureTransformer transformer, int row, string filtration)
    {
        if (row < 0 || row >= data.Rows.Count)
        {
            throw new UsageException($"--plot-row {row} is outside the {data.Rows.Count} rows.");
        }

        TopologySample sample = data.Rows[row];
        IReadOnlyList<SignedMeasure> measures = transformer.Measures(sample.Values, sample.NodeCount);
        bool hilbert = transformer.Options.Invariant == SignedMeasureInvariant.Hilbert;
        bool graphs = data.Kind == TopologyDataKind.Graphs;
        bool sublevel = transformer.Options.Input is TimeSeriesInput { IsDelayEmbedding: false };
        var paths = new string[measures.Count];
        for (int m = 0; m < measures.Count; m++)
        {
            // Sublevel × time: measure 0 is of x, measure 1 of −x (both H0).
            string kind = sublevel ? (m == 0 ? "x" : "minus-x") + (hilbert ? "-h0" : "-euler") : hilbert ? $"h{m}" : "euler";
            string what = sublevel ? $"sublevel × time of {(m == 0 ? "x" : "−x")}, {(hilbert ? "Hilbert signed measure, H0" : "Euler signed measure")}" : hilbert ? $"Hilbert signed measure, H{m}" : "Euler signed measure";
            string title = string.Create(CultureInfo.InvariantCulture, $"row {row} (label {sample.Label}), {filtration}: {what}");
            paths[m] = SignedMeasurePlot.Write(
                PlotPaths.Resolve(target, "signed-measure", kind), measures[m], transformer.FirstGrid, transformer.SecondGrid, title,
                graphs ? "first vertex function" : sublevel ? "series value" : "Rips radius", graphs ? "second vertex function" : sublevel ? "time" : "codensity").Path;
        }

        return paths;
    }

    private static long MiB(long mib) => mib is > 0 and <= long.MaxValue >> 20
        ? mib << 20
        : throw new UsageException($"--max-mib must be between 1 and {long.MaxValue >> 20}, got {mib}.");

    private static string SeriesFiltrationName(SeriesFiltration filtration) => filtration switch
    {
        SeriesFiltration.SublevelTime => "sublevel",
        SeriesFiltration.DifferenceSublevelTime => "difference",
        _ => "delay",
    };

    private static SeriesFiltration ParseSeriesFiltration(string name) =>
        Enum.GetValues<SeriesFiltration>().FirstOrDefault(f => SeriesFiltrationName(f) == name, (SeriesFiltration)(-1)) is var f && Enum.IsDefined(f)
            ? f
            : throw new UsageException($"--series-filtration: unknown value '{name}' (delay, sublevel or difference).");

    private static string VectorizerName(SignedMeasureVectorizer vectorizer) => vectorizer == SignedMeasureVectorizer.Convolution ? "conv" : "sw";


    private static T ParseEnum<T>(string text, string option)
        where T : struct, Enum
    {
        string name = text.Replace("-", string.Empty, StringComparison.Ordinal);
        return Enum.TryParse(name, ignoreCase: true, out T value) && Enum.IsDefined(value)
            ? value
            : throw new UsageException($"{option}: unknown value '{text}'.");
    }
}
