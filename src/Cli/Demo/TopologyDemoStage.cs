using System.Diagnostics;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Cli.Plots;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Topology;
using Spectre.Console;

namespace Pipelines.Cli.Demo;

/// <summary>
/// Topology stage: ORBIT data (orbits of the linked twist map x' = x + r·y(1 − y), y' = y + r·x'(1 − x') mod 1 for
/// five values of r), Hilbert signed-measure features of function-Rips (DTM codensity) with
/// <c>mlContext.Transforms.Topology.SignedMeasure</c>, an SDCA classifier, test accuracy, and a save → load check.
/// </summary>
internal sealed class TopologyDemoStage : IDemoStage
{
    private static readonly double[] s_rates = [2.5, 3.5, 4.0, 4.1, 4.3];

    public string Name => "topology";

    public string Description => "Classify ORBIT orbits (linked twist map, 5 parameters) from Hilbert signed-measure features; save/load gives identical features.";

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
        SignedMeasureTransformer topo = ml.Transforms.Topology.SignedMeasure(options).Fit(ml.Data.LoadFromEnumerable(train));
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
        PersistenceDiagram diagram = RipsPersistence.Compute(test[0].Points, 2, new RipsOptions { MaxDimension = 1 });
        string png = Path.Combine(context.WorkDirectory, "orbit-persistence-diagram.png");
        PersistencePlots.WriteDiagram(png, diagram, $"ORBIT r = {test[0].Rate}: Vietoris–Rips persistence diagram");
        string heat = Path.Combine(context.WorkDirectory, "orbit-signed-measure-h1.png");
        SignedMeasurePlot.Write(heat, topo.Measures(test[0].Points)[1], topo.FirstGrid, topo.SecondGrid, $"ORBIT r = {test[0].Rate}: Hilbert signed measure, H1", "Rips radius", "codensity");
        c.MarkupLine($"pictures: {Markup.Escape(png)}, {Markup.Escape(heat)}");
        return new { Train = train.Count, Test = test.Count, Features = options.OutputLength, Accuracy = accuracy, Seconds = watch.Elapsed.TotalSeconds, Diagram = png, SignedMeasure = heat };
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
