using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Benchmarks.Topology;

/// <summary>
/// Accuracy of signed-measure features + ML.NET FastTree (one-versus-all): 10-fold CV on TU graphs and the activities
/// clouds, official train/test split on UCR sets.
/// usage: dotnet run -c Release --project benchmarks/TopologyAccuracy -- [--data ../shared/data] [--only NAME]
/// With <c>--sdca NAME [--iterations N]</c> (a UCR set): times SDCA (maximum entropy, N passes) over signed-measure
/// features three ways in one run — no feature cache (every pass recomputes; the behaviour before
/// <see cref="SignedMeasureOptions.FeatureCacheRows"/>), the transformer's built-in cache (the default), and ML.NET's
/// <c>AppendCacheCheckpoint</c> — and prints seconds, ratios and test accuracy.
/// </summary>
public static class Program
{
    private sealed class Row
    {
        [VectorType]
        public float[] Values { get; set; } = [];

        public int Nodes { get; set; }

        public string Class { get; set; } = string.Empty;
    }

    public static int Main(string[] args)
    {
        int i = Array.IndexOf(args, "--data");
        string data = i >= 0 ? args[i + 1] : "../shared/data";
        int sdca = Array.IndexOf(args, "--sdca");
        if (sdca >= 0)
        {
            int it = Array.IndexOf(args, "--iterations");
            SdcaCache(Path.Combine(data, "timeseries", "ucr", args[sdca + 1]), args[sdca + 1], it >= 0 ? int.Parse(args[it + 1], CultureInfo.InvariantCulture) : 20);
            return 0;
        }

        int o = Array.IndexOf(args, "--only");
        string? only = o >= 0 ? args[o + 1] : null;
        if (!args.Contains("--legacy"))
        {
            int inv = Array.IndexOf(args, "--invariants");
            int recipe = Array.IndexOf(args, "--recipe");
            Table.FixedRecipe = recipe >= 0 ? args[recipe + 1] : null;
            int candidates = Array.IndexOf(args, "--candidates");
            Table.Candidates = candidates >= 0 ? args[candidates + 1].Split(',') : null;
            int select = Array.IndexOf(args, "--select");
            Table.SelectInvariants = select >= 0 ? args[select + 1].Split(',') : null;
            if (args.Contains("--softmax"))
            {
                Classifiers.Names = ["softmax", "1nn"];
            }

            int classifiers = Array.IndexOf(args, "--classifiers");
            if (classifiers >= 0)
            {
                Classifiers.Names = args[classifiers + 1].Split(',');
            }

            if (args.Contains("--fasttree"))
            {
                Classifiers.Names = ["logreg", "1nn", "fasttree"];
            }

            Table.Run(data, only, inv >= 0 ? args[inv + 1].Split(',') : []);
            return 0;
        }

        Console.WriteLine($"{"dataset",-18} {"protocol",-16} {"features",9} {"accuracy",9} {"± sd",6} {"featurize s",12} {"total s",8}");
        foreach (string tu in new[] { "MUTAG", "COX2", "PROTEINS", "NCI109" })
        {
            if (only is null || only == tu)
            {
                Run(tu, () => Graphs(Path.Combine(data, "graphs", "tu", tu)));
            }
        }

        foreach (string ucr in new[] { "ECG200", "GunPoint", "Coffee", "ItalyPowerDemand", "TwoLeadECG", "Trace" })
        {
            if (only is null || only == ucr)
            {
                Run(ucr, () => Ucr(Path.Combine(data, "timeseries", "ucr", ucr), ucr));
            }
        }

        if (only is null || only == "activities")
        {
            Run("activities", () => Activities(Path.Combine(data, "pointclouds", "activities", "activities_p1_left_leg.csv")));
        }

        return 0;
    }

    private static void Run(string name, Func<(string Protocol, int Features, double Accuracy, double Sd, double FeaturizeS)> body)
    {
        var sw = Stopwatch.StartNew();
        try
        {
            (string protocol, int features, double acc, double sd, double fs) = body();
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-18} {protocol,-16} {features,9} {acc,9:F3} {sd,6:F3} {fs,12:F1} {sw.Elapsed.TotalSeconds,8:F1}"));
        }
        catch (Exception e) when (e is IOException or InvalidOperationException or ArgumentException)
        {
            Console.WriteLine($"{name,-18} failed: {e.Message}");
        }
    }

    private static IEstimator<ITransformer> Classifier(MLContext ml) =>
        ml.Transforms.Conversion.MapValueToKey("Label", "Class")
            .Append(ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 16, numberOfTrees: 100, minimumExampleCountPerLeaf: 5)));

    private static (string, int, double, double, double) CrossValidate(MLContext ml, List<Row> rows, SignedMeasureEstimator topo)
    {
        // Featurize once per fold inside the CV (grids are fitted on each training fold).
        IDataView view = ml.Data.LoadFromEnumerable(rows);
        var featurizeTime = Stopwatch.StartNew();
        IEstimator<ITransformer> pipeline = topo.AppendCacheCheckpoint(ml).Append(Classifier(ml));
        var results = ml.MulticlassClassification.CrossValidate(view, pipeline, numberOfFolds: 10, labelColumnName: "Label", seed: 0);
        double[] acc = [.. results.Select(r => r.Metrics.MicroAccuracy)];
        double mean = acc.Average();
        double sd = Math.Sqrt(acc.Select(a => (a - mean) * (a - mean)).Average());
        return ("10-fold CV", topo.GetOutputSchema(SchemaShapes(view)).Count, mean, sd, featurizeTime.Elapsed.TotalSeconds);
    }

    private static SchemaShape SchemaShapes(IDataView view) => new(view.Schema.Select(c => Shape(c)));

    private static SchemaShape.Column Shape(DataViewSchema.Column c) =>
        (SchemaShape.Column)typeof(SchemaShape.Column).GetConstructors(System.Reflection.BindingFlags.Instance | System.Reflection.BindingFlags.NonPublic).Single(k => k.GetParameters().Length == 5)
            .Invoke([c.Name, c.Type is VectorDataViewType ? SchemaShape.Column.VectorKind.VariableVector : SchemaShape.Column.VectorKind.Scalar, c.Type is VectorDataViewType v ? v.ItemType : c.Type, false, null]);

    private static (string, int, double, double, double) Graphs(string folder)
    {
        var ml = new MLContext(seed: 0);
        List<Row> rows = [.. TopologyDataset.FromTu(TuDatasetReader.Read(folder)).Rows.Select(g => new Row { Values = g.Values, Nodes = g.NodeCount, Class = g.Label })];
        var options = new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Values",
            Input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci, 10f),
            GridResolution = 30,
            OutputResolution = 12,
            Bandwidth = 0.05f,
        };
        (string p, int _, double a, double s, double t) = CrossValidate(ml, rows, ml.Transforms.Topology.SignedMeasure(options));
        return (p, options.OutputLength, a, s, t);
    }

    private static float Quantile(IEnumerable<float[]> clouds, int dim, double q)
    {
        var d = new List<float>();
        foreach (float[] c in clouds.Take(20))
        {
            DistanceMatrix dm = DistanceMatrix.FromPoints(c, dim);
            for (int a = 1; a < dm.Count; a++)
            {
                for (int b = 0; b < a; b++)
                {
                    d.Add(dm[a, b]);
                }
            }
        }

        d.Sort();
        return d[(int)(q * (d.Count - 1))];
    }

    private static SignedMeasureOptions CloudOptions(TopologyInput input, float threshold) => new()
    {
        OutputColumnName = "Features",
        InputColumnName = "Values",
        Input = input,
        Codensity = CodensityKind.DistanceToMeasure,
        CodensityParameter = 0.1f,
        Threshold = threshold,
        GridResolution = 20,
        OutputResolution = 12,
        Bandwidth = 0.05f,
    };

    private static (string, int, double, double, double) Ucr(string folder, string name)
    {
        var ml = new MLContext(seed: 0);
        List<Row> Read(string split) => [.. TopologyDataset.ReadUcr(Path.Combine(folder, $"{name}_{split}.tsv")).Rows.Select(r => new Row { Values = r.Values, Class = r.Label })];
        List<Row> train = Read("TRAIN");
        List<Row> test = Read("TEST");
        var input = new TimeSeriesInput(3, 1, 1);
        float thr = Quantile(train.Select(r => DelayEmbedding.Embed(r.Values, 3, 1, 1)), 3, 0.3);
        SignedMeasureOptions options = CloudOptions(input, thr);
        var sw = Stopwatch.StartNew();
        IEstimator<ITransformer> pipeline = ml.Transforms.Topology.SignedMeasure(options).AppendCacheCheckpoint(ml).Append(Classifier(ml));
        ITransformer model = pipeline.Fit(ml.Data.LoadFromEnumerable(train));
        var metrics = ml.MulticlassClassification.Evaluate(model.Transform(ml.Data.LoadFromEnumerable(test)), labelColumnName: "Label");
        return ("official split", options.OutputLength, metrics.MicroAccuracy, 0, sw.Elapsed.TotalSeconds);
    }

    private static (string, int, double, double, double) Activities(string path)
    {
        var ml = new MLContext(seed: 0);
        List<LabelledVector> clouds = PointCloudReader.ReadLabelledClouds(path, TopologyDataset.Defaults.PointsPerCloud, out int dim);
        List<Row> rows = [.. clouds.Select(c => new Row { Values = c.Values, Class = c.Label })];
        float thr = Quantile(clouds.Select(c => c.Values), dim, 0.3);
        SignedMeasureOptions options = CloudOptions(new PointCloudInput(dim), thr);
        (string p, int _, double a, double s, double t) = CrossValidate(ml, rows, ml.Transforms.Topology.SignedMeasure(options));
        return (p, options.OutputLength, a, s, t);
    }

    private static void SdcaCache(string folder, string name, int iterations)
    {
        var ml = new MLContext(seed: 0);
        List<Row> Read(string split) => [.. TopologyDataset.ReadUcr(Path.Combine(folder, $"{name}_{split}.tsv")).Rows.Select(r => new Row { Values = r.Values, Class = r.Label })];
        IDataView train = ml.Data.LoadFromEnumerable(Read("TRAIN"));
        IDataView test = ml.Data.LoadFromEnumerable(Read("TEST"));
        float thr = Quantile(Read("TRAIN").Select(r => DelayEmbedding.Embed(r.Values, 3, 1, 1)), 3, 0.3);
        SignedMeasureOptions options = CloudOptions(new TimeSeriesInput(3, 1, 1), thr);
        IEstimator<ITransformer> Sdca() => ml.Transforms.Conversion.MapValueToKey("Label", "Class")
            .Append(ml.MulticlassClassification.Trainers.SdcaMaximumEntropy(maximumNumberOfIterations: iterations));

        (double Seconds, double Accuracy) Time(IEstimator<ITransformer> pipeline)
        {
            var sw = Stopwatch.StartNew();
            ITransformer model = pipeline.Fit(train);
            double seconds = sw.Elapsed.TotalSeconds;
            return (seconds, ml.MulticlassClassification.Evaluate(model.Transform(test), labelColumnName: "Label").MicroAccuracy);
        }

        Console.WriteLine($"SDCA (maximum entropy, {iterations} passes) over signed-measure features of {name}: {options.OutputLength} features, {train.GetRowCount()} training rows, {Environment.ProcessorCount} cores");
        float[][] features = [.. ml.Transforms.Topology.SignedMeasure(options).Fit(train).Transform(train).GetColumn<VBuffer<float>>("Features").Select(v => v.DenseValues().ToArray())];
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"feature range [{features.Min(f => f.Where(float.IsFinite).DefaultIfEmpty().Min())}, {features.Max(f => f.Where(float.IsFinite).DefaultIfEmpty().Max())}], rows with non-finite values: {features.Count(f => !f.All(float.IsFinite))}"));
        (double before, double accBefore) = Time(ml.Transforms.Topology.SignedMeasure(options with { FeatureCacheRows = 0 }).Append(Sdca()));
        (double after, double accAfter) = Time(ml.Transforms.Topology.SignedMeasure(options).Append(Sdca()));
        (double checkpoint, double accCheckpoint) = Time(ml.Transforms.Topology.SignedMeasure(options with { FeatureCacheRows = 0 }).AppendCacheCheckpoint(ml).Append(Sdca()));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"variant",-40} {"fit s",8} {"vs no cache",12} {"accuracy",9}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"no cache (FeatureCacheRows = 0; before)",-40} {before,8:F1} {1.0,11:F2}x {accBefore,9:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"built-in cache (default; after)",-40} {after,8:F1} {before / after,11:F2}x {accAfter,9:F3}"));
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{"no cache + AppendCacheCheckpoint",-40} {checkpoint,8:F1} {before / checkpoint,11:F2}x {accCheckpoint,9:F3}"));
    }
}
