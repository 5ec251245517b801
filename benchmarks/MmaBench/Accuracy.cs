using System.Diagnostics;
using System.Globalization;
using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Topology;
using Pipelines.Transforms.Topology.Data;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// MMA features against Hilbert signed-measure features on one TU graph set, 10-fold CV, the same classifier
/// (ML.NET FastTree one-versus-all, as benchmarks/TopologyAccuracy) and the same bifiltration (HKS_10 × Forman–Ricci).
/// </summary>
internal static class Accuracy
{
    private sealed class Row
    {
        [VectorType]
        public float[] Values { get; set; } = [];

        public int Nodes { get; set; }

        public string Class { get; set; } = string.Empty;
    }

    public static void Run(string folder)
    {
        var ml = new MLContext(seed: 0);
        List<Row> rows = [.. TopologyDataset.FromTu(TuDatasetReader.Read(folder)).Rows.Select(g => new Row { Values = g.Values, Nodes = g.NodeCount, Class = g.Label })];
        var input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.FormanRicci, 10f);
        Console.WriteLine();
        Console.WriteLine($"Accuracy on {Path.GetFileName(folder)} ({rows.Count} graphs), 10-fold CV, FastTree one-versus-all, HKS_10 × Forman–Ricci");
        Console.WriteLine($"{"features",-40} {"length",7} {"accuracy",9} {"± sd",6} {"seconds",8}");
        var probe = new MmaOptions { OutputColumnName = "Features", InputColumnName = "Values", Input = input, Precision = 0.05f };
        MmaTransformer fitted = MmaTransformer.Fit(probe, [.. rows.Select(r => new TopologySample(r.Values, r.Nodes, r.Class))]);
        int broken = rows.Count(r => fitted.Decompose(r.Values, r.Nodes).Discontinuities > 0);
        Console.WriteLine($"rows whose MMA matching left a long bar unmatched (δ = 0.05): {broken} of {rows.Count}");
        var hilbert = new SignedMeasureOptions { OutputColumnName = "Features", InputColumnName = "Values", Input = input, GridResolution = 30, OutputResolution = 12, Bandwidth = 0.05f };
        Report("Hilbert H0+H1, conv 12x12 (grid 30)", hilbert.OutputLength, ml, rows, ml.Transforms.Topology.SignedMeasure(hilbert));
        foreach (MmaVectorizer v in new[] { MmaVectorizer.Image, MmaVectorizer.Landscape })
        {
            var mma = new MmaOptions { OutputColumnName = "Features", InputColumnName = "Values", Input = input, Precision = 0.05f, Resolution = 12, Bandwidth = 0.05f, Vectorizer = v };
            Report($"MMA H0+H1, δ=0.05, {(v == MmaVectorizer.Image ? "image 12x12 σ=0.05" : "3 landscapes 12x12")}", mma.OutputLength, ml, rows, ml.Transforms.Topology.ModuleApproximation(mma));
        }
    }

    private static void Report<T>(string name, int length, MLContext ml, List<Row> rows, IEstimator<T> topo)
        where T : class, ITransformer
    {
        var sw = Stopwatch.StartNew();
        IEstimator<ITransformer> classifier = ml.Transforms.Conversion.MapValueToKey("Label", "Class")
            .Append(ml.MulticlassClassification.Trainers.OneVersusAll(ml.BinaryClassification.Trainers.FastTree(numberOfLeaves: 16, numberOfTrees: 100, minimumExampleCountPerLeaf: 5)));
        IEstimator<ITransformer> pipeline = topo.AppendCacheCheckpoint(ml).Append(classifier);
        var results = ml.MulticlassClassification.CrossValidate(ml.Data.LoadFromEnumerable(rows), pipeline, numberOfFolds: 10, labelColumnName: "Label", seed: 0);
        double[] acc = [.. results.Select(r => r.Metrics.MicroAccuracy)];
        double mean = acc.Average();
        double sd = Math.Sqrt(acc.Select(a => (a - mean) * (a - mean)).Average());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{name,-40} {length,7} {mean,9:F3} {sd,6:F3} {sw.Elapsed.TotalSeconds,8:F1}"));
    }
}
