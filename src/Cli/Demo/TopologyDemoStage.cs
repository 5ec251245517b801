using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Cli.Plots;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// Topology stage: ORBIT data (orbits of the linked twist map x' = x + r·y(1 − y), y' = y + r·x'(1 − x') mod 1 for
/// five values of r), Hilbert signed-measure features of function-Rips (DTM codensity) with
/// <c>mlContext.Transforms.Topology.SignedMeasure</c>, an SDCA classifier, test accuracy, save → load checks (own format and
/// the whole pipeline through <c>mlContext.Model.Save</c>), then one orbit through edge collapse, diagram landscapes, the
/// rank invariant's signed barcode and MMA.
/// </summary>
internal sealed class TopologyDemoStage : IDemoStage
{
    private static readonly double[] s_rates = [2.5, 3.5, 4.0, 4.1, 4.3];

    public string Name => "topology";

    public string Description => "Classify ORBIT orbits (linked twist map, 5 parameters) from Hilbert signed-measure features; save/load gives identical features; edge collapse, landscapes, rank signed barcode and MMA of one orbit.";

    private sealed class Orbit
    {
        [VectorType]
        public float[] Points { get; set; } = [];

        public string Rate { get; set; } = string.Empty;
    }

    public object Run(DemoContext context)
    {
        IAnsiConsole c = context.Console.Human;
        var watch = Stopwatch.StartNew();
        var rng = new Random(context.Seed);
        var train = new List<Orbit>();
        var test = new List<Orbit>();
        foreach (double r in s_rates)
        {
            for (int k = 0; k < 50; k++)
            {
                (k < 35 ? train : test).Add(new Orbit { Points = LinkedTwist(r, 150, rng), Rate = r.ToString("F1", System.Globalization.CultureInfo.InvariantCulture) });
            }
        }

        var ml = new MLContext(seed: context.Seed);
        var options = new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Points",
            Input = new PointCloudInput(2),
            Codensity = CodensityKind.GaussianKde,
            CodensityParameter = 0.05f,
            Threshold = 0.3f,
            GridResolution = 20,
            OutputResolution = 10,
            Bandwidth = 0.1f,
        };
        using SignedMeasureTransformer topo = ml.Transforms.Topology.SignedMeasure(options).Fit(ml.Data.LoadFromEnumerable(train));
        // Features are computed lazily: cache them, since the trainer makes several passes.
        IDataView trainFeatures = ml.Data.Cache(topo.Transform(ml.Data.LoadFromEnumerable(train)));
        IEstimator<ITransformer> classifier = ml.Transforms.Conversion.MapValueToKey("Label", "Rate")
            .Append(ml.Transforms.NormalizeMinMax("Features"))
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy());
        ITransformer model = classifier.Fit(trainFeatures);
        double accuracy = ml.MulticlassClassification.Evaluate(model.Transform(topo.Transform(ml.Data.LoadFromEnumerable(test)))).MicroAccuracy;
        c.MarkupLine($"ORBIT: {train.Count} train / {test.Count} test orbits of 150 points, r ∈ {{{string.Join(", ", s_rates)}}}; {options.OutputLength} features (Hilbert H0+H1, {topo.FirstGrid.Count}×{topo.SecondGrid.Count} grid, 10×10 convolution)");
        c.MarkupLine($"test accuracy (SDCA max-entropy): [bold]{accuracy:P1}[/] (chance 20%)");

        string path = Path.Combine(context.WorkDirectory, "orbit-topology.bin");
        topo.Save(path);
        SignedMeasureTransformer loaded = SignedMeasureTransformer.Load(path);
        float[] a = topo.Featurize(test[0].Points);
        float[] b = loaded.Featurize(test[0].Points);
        if (!a.AsSpan().SequenceEqual(b))
        {
            throw new InvalidOperationException("The reloaded topology transformer gives different features.");
        }

        c.MarkupLine($"saved transformer ({new FileInfo(path).Length:N0} bytes), reloaded: identical features");

        // The whole pipeline (signed measure → classifier) as one ML.NET zip, reloaded in a fresh context, row by row.
        string zip = Path.Combine(context.WorkDirectory, "orbit-pipeline.zip");
        IDataView testData = ml.Data.LoadFromEnumerable(test);
        ml.Model.SaveAtomically(topo.Append(model), testData.Schema, zip);
        ITransformer reloaded = new MLContext(seed: context.Seed).Model.Load(zip, out _);
        uint[] expected = [.. model.Transform(topo.Transform(testData)).GetColumn<uint>("PredictedLabel")];
        using (PredictionEngine<Orbit, OrbitPrediction> engine = ml.Model.CreatePredictionEngine<Orbit, OrbitPrediction>(reloaded))
        {
            if (test.Select(o => engine.Predict(o).PredictedLabel).Where((p, i) => p != expected[i]).Any())
            {
                throw new InvalidOperationException("The reloaded ML.NET pipeline predicts differently from the fitted one.");
            }
        }

        c.MarkupLine($"mlContext.Model.Save → Load → PredictionEngine: the {test.Count} test predictions are identical ({new FileInfo(zip).Length:N0}-byte zip)");
        object more = MoreInvariants(c, ml, options, train, test[0], context.Seed);
        PersistenceDiagram diagram = RipsPersistence.Compute(test[0].Points, 2, new RipsOptions { MaxDimension = 1 });
        string png = Path.Combine(context.WorkDirectory, "orbit-persistence-diagram.png");
        PersistencePlots.WriteDiagram(png, diagram, $"ORBIT r = {test[0].Rate}: Vietoris–Rips persistence diagram");
        string heat = Path.Combine(context.WorkDirectory, "orbit-signed-measure-h1.png");
        SignedMeasurePlot.Write(heat, topo.Measures(test[0].Points)[1], topo.FirstGrid, topo.SecondGrid, $"ORBIT r = {test[0].Rate}: Hilbert signed measure, H1", "Rips radius", "codensity");
        c.MarkupLine($"pictures: {Markup.Escape(png)}, {Markup.Escape(heat)}");
        return new { Train = train.Count, Test = test.Count, Features = options.OutputLength, Accuracy = accuracy, Seconds = watch.Elapsed.TotalSeconds, Diagram = png, SignedMeasure = heat, Pipeline = zip, More = more };
    }

    private static float LongestBar(PersistenceDiagram d) =>
        d.InDimension(1).ToArray().Select(p => float.IsFinite(p.Death) ? p.Death - p.Birth : 0f).DefaultIfEmpty(0f).Max();

    /// <summary>
    /// One orbit through the other invariants: edge collapse (same diagram, fewer edges), GUDHI-style landscapes of the
    /// diagram, the rank invariant's signed barcode, a series' sublevel × time measures, the electronegativity preset,
    /// and the MMA decomposition.
    /// </summary>
    private static object MoreInvariants(IAnsiConsole c, MLContext ml, SignedMeasureOptions options, List<Orbit> train, Orbit orbit, int seed)
    {
        var watch = Stopwatch.StartNew();
        var plain = RipsPersistence.Compute(orbit.Points, 2, new RipsOptions { MaxDimension = 1, Threshold = options.Threshold });
        var collapsed = RipsPersistence.Compute(orbit.Points, 2, new RipsOptions { MaxDimension = 1, Threshold = options.Threshold, EdgeCollapse = EdgeCollapseMode.On });
        (_, int edgesBefore, int edgesAfter) = EdgeCollapse.Collapse(DistanceMatrix.FromPoints(orbit.Points, 2), options.Threshold!.Value);
        bool same = Enumerable.Range(0, 2).All(d => plain.InDimension(d).SequenceEqual(collapsed.InDimension(d)));
        if (!same)
        {
            throw new InvalidOperationException("Edge collapse changed the persistence diagram.");
        }

        c.MarkupLine($"edge collapse: {edgesBefore:N0} → {edgesAfter:N0} edges, the same H0/H1 diagram ({plain.InDimension(1).Length} H1 pairs)");

        // Sparse Rips: an approximate diagram (every point within a factor 1/(1 − ε)) from far fewer edges.
        const float epsilon = 0.5f;
        var sparse = RipsPersistence.Compute(orbit.Points, 2, new RipsOptions { MaxDimension = 1, Threshold = options.Threshold, SparseApproximation = epsilon });
        (_, _, int sparseEdges) = SparseRips.Sparsify(DistanceMatrix.FromPoints(orbit.Points, 2), epsilon, options.Threshold!.Value);
        float longestExact = LongestBar(plain);
        float longestSparse = LongestBar(sparse);
        c.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"sparse Rips ε = {epsilon}: {edgesBefore:N0} → {sparseEdges:N0} edges, longest H1 bar {longestExact:G3} → {longestSparse:G3} (bound: each end within ×{1 / (1 - epsilon):G3})"));

        float[] h1 = [.. plain.InDimension(1).ToArray().SelectMany(p => new[] { p.Birth, p.Death })];
        DiagramRepresentationTransformer landscapes = DiagramRepresentationTransformer.Fit(
            new DiagramRepresentationOptions { OutputColumnName = "Landscape", Representation = DiagramRepresentation.Landscape, Resolution = 20, Landscapes = 3 }, [h1]);
        float[] landscape = landscapes.Featurize(h1);
        c.MarkupLine($"H1 landscapes (GUDHI-style, 3 × 20): peak {landscape.Max():G3}");

        SignedMeasureOptions rankOptions = options with { Invariant = SignedMeasureInvariant.Rank, GridResolution = 8, OutputResolution = 4 };
        SignedMeasureTransformer rank = ml.Transforms.Topology.SignedMeasure(rankOptions).Fit(ml.Data.LoadFromEnumerable(train));
        float[] rankFeatures = rank.Featurize(orbit.Points);
        c.MarkupLine($"rank invariant → signed barcode (8 × 8 grid, Möbius inversion): {rankFeatures.Length} features, ‖·‖₁ {rankFeatures.Sum(MathF.Abs):G3}");

        // The UCR recipe's second filtration: an orbit's x-coordinates as a series, its sublevel × time bifiltration (x, −x).
        static float[] XSeries(Orbit o) => [.. o.Points.Where((_, i) => i % 2 == 0)];
        var seriesOptions = new SignedMeasureOptions { OutputColumnName = "Series", Input = new TimeSeriesInput(Filtration: SeriesFiltration.SublevelTime), GridResolution = 20, OutputResolution = 10 };
        SignedMeasureTransformer sublevel = SignedMeasureTransformer.Fit(seriesOptions, [.. train.Take(20).Select(o => new TopologySample(XSeries(o), 0, string.Empty))]);
        IReadOnlyList<SignedMeasure> runs = sublevel.Measures(XSeries(orbit));
        c.MarkupLine($"series sublevel × time (the orbit's x-coordinates as a series, x and −x): {seriesOptions.OutputLength} features; runs of {{x ≤ median}} over the whole series: {runs[0].Cumulative()[(((sublevel.FirstGrid.Count / 2) + 1) * sublevel.SecondGrid.Count) - 1]}");

        // The COX2 recipe's vertex function: atoms ordered by Pauling electronegativity (node labels = atomic numbers).
        TopologyDataset molecules = new(TopologyDataKind.Graphs, [new TopologySample([0, 1, 1, 2], 3, "ethanol C–C–O") { NodeLabels = [6, 6, 8] }, new TopologySample([0, 1, 1, 2, 2, 0], 3, "C–C–N ring") { NodeLabels = [6, 6, 7] }], 0);
        SignedMeasureOptions preset = BifiltrationPreset.GraphHksElectronegativity.CreateOptions(molecules);
        SignedMeasureOptions chiOptions = preset with
        {
            GridResolution = 8,
            OutputResolution = 4,
            OutputColumnName = "Chi",
            InputColumnName = nameof(Molecule.Edges),
            Input = (GraphInput)preset.Input with { NodeCountColumnName = nameof(Molecule.Nodes), NodeLabelColumnName = nameof(Molecule.Atoms) },
        };
        using SignedMeasureTransformer chi = SignedMeasureTransformer.Fit(chiOptions, molecules.Rows);
        float[][] direct = chi.FeaturizeMany(molecules.Rows);
        IDataView molView = ml.Data.LoadFromEnumerable(molecules.Rows.Select(r => new Molecule { Edges = r.Values, Nodes = r.NodeCount, Atoms = r.NodeLabels! }));
        using var saved = new MemoryStream();
        ml.Model.Save(chi, molView.Schema, saved);
        saved.Position = 0;
        ITransformer loadedChi = new MLContext(seed: seed).Model.Load(saved, out _);
        using PredictionEngine<Molecule, MoleculeFeatures> scorer = ml.Model.CreatePredictionEngine<Molecule, MoleculeFeatures>(loadedChi);
        bool chiSame = molecules.Rows.Select((r, i) => scorer.Predict(new Molecule { Edges = r.Values, Nodes = r.NodeCount, Atoms = r.NodeLabels! }).Features.SequenceEqual(direct[i])).All(b => b);
        if (!chiSame)
        {
            throw new InvalidOperationException("The electronegativity featurizer scores differently after mlContext.Model.Save → Load.");
        }

        c.MarkupLine($"{BifiltrationPreset.GraphHksElectronegativity.Name}: χ grid {chi.SecondGrid.Values[0]:G3}…{chi.SecondGrid.Values[^1]:G3} (C 2.55, N 3.04, O 3.44); {direct[0].Length} features per molecule, identical after mlContext.Model.Save → Load → PredictionEngine (node labels ride along)");

        var mmaOptions = new MmaOptions
        {
            OutputColumnName = "Mma",
            InputColumnName = options.InputColumnName,
            Input = options.Input,
            Codensity = options.Codensity,
            CodensityParameter = options.CodensityParameter,
            Threshold = options.Threshold,
            Precision = 0.1f,
        };
        MmaTransformer mma = ml.Transforms.Topology.ModuleApproximation(mmaOptions).Fit(ml.Data.LoadFromEnumerable(train.Take(20)));
        MmaModule module = mma.Decompose(orbit.Points);
        c.MarkupLine($"MMA (δ = {module.Precision}, {module.LineOffsets.Length} lines): {module.Summands(0).Count} H0 and {module.Summands(1).Count} H1 interval summands, {module.Discontinuities} discontinuities; {watch.Elapsed.TotalSeconds:F1} s for these lines");
        return new { EdgesBefore = edgesBefore, EdgesAfter = edgesAfter, RankFeatures = rankFeatures.Length, MmaH0 = module.Summands(0).Count, MmaH1 = module.Summands(1).Count, Seed = seed };
    }

    private sealed class Molecule
    {
        [VectorType]
        public float[] Edges { get; set; } = [];

        public int Nodes { get; set; }

        [VectorType]
        public float[] Atoms { get; set; } = [];
    }

    private sealed class MoleculeFeatures
    {
        [ColumnName("Chi")]
        [VectorType]
        public float[] Features { get; set; } = [];
    }

    private sealed class OrbitPrediction
    {
        public uint PredictedLabel { get; set; }
    }

    private static float[] LinkedTwist(double r, int n, Random rng)
    {
        double x = rng.NextDouble();
        double y = rng.NextDouble();
        var p = new float[2 * n];
        for (int i = 0; i < n; i++)
        {
            x = (x + (r * y * (1 - y))) % 1.0;
            y = (y + (r * x * (1 - x))) % 1.0;
            p[2 * i] = (float)x;
            p[(2 * i) + 1] = (float)y;
        }

        return p;
    }
}
