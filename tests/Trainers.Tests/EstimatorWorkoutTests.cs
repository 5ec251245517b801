using Microsoft.ML;
using Pipelines.Onnx;
using Pipelines.Testing;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Trainers.Tests.TextClassification;
using Pipelines.Trainers.TextClassification;
using Pipelines.Trainers.TextClassification.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests;

/// <summary>
/// <see cref="EstimatorWorkout"/> on the graph estimators of Pipelines.Trainers: <c>GraphEncodingOnnx</c>, the GINE
/// trainers (regression, binary, multiclass; ONNX-backed, saved by <c>mlContext.Model.Save</c>) and the SPE
/// <c>GraphEncoding</c> whose φ/ρ persist through <see cref="GraphModel.Save"/>/<see cref="GraphModel.Load"/>.
/// </summary>
public sealed class GraphEstimatorWorkoutTests
{
    private static readonly GineOptions s_small = new(HiddenSize: 8, Layers: 1, Pooling: GraphPooling.Sum, HeadHiddenSize: 8);
    private static readonly SpeOptions s_spe = new(EigenvalueFunctions: 3, RhoLayers: 1, RhoHiddenSize: 8, OutputSize: 4, Seed: 7);

    /// <summary>Typed graphs (2 node types, 2 edge types) of 3..8 nodes, fixed once (the data views re-read them).</summary>
    private static List<Graph> Graphs(int count, int seed)
    {
        var rng = new Random(seed);
        var graphs = new List<Graph>();
        for (int g = 0; g < count; g++)
        {
            int n = rng.Next(3, 9);
            var src = new List<int>();
            var dst = new List<int>();
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    if (rng.NextDouble() < 0.4)
                    {
                        src.Add(i);
                        dst.Add(j);
                    }
                }
            }

            int[] types = [.. Enumerable.Range(0, n).Select(_ => rng.Next(2))];
            int[] edgeTypes = [.. src.Select(_ => rng.Next(2))];
            graphs.Add(new Graph(n, [.. src], [.. dst], types, edgeTypes, target: n + src.Count, id: $"g{g}"));
        }

        return graphs;
    }

    private static IDataView Regression(MLContext ml) =>
        ml.Data.LoadFromEnumerable(Graphs(12, seed: 1).Select(g => new RegressionRow { Graph = g, Label = g.Target }).ToList());

    private static IDataView Binary(MLContext ml) =>
        ml.Data.LoadFromEnumerable(Graphs(12, seed: 2).Select(g => new BinaryRow { Graph = g, Label = g.NodeCount % 2 == 0 }).ToList());

    private static IDataView Multiclass(MLContext ml)
    {
        IDataView data = ml.Data.LoadFromEnumerable(Graphs(12, seed: 3).Select(g => new MulticlassRow { Graph = g, Class = (uint)(g.NodeCount % 3) }).ToList());
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
    }

    private static IDataView Invalid(MLContext ml) => ml.Data.LoadFromEnumerable(new[] { new FloatRow { Graph = 1f, Label = 1f } });

    private static GineTrainerOptions Gine(GraphEncoding encoding) =>
        new() { Encoding = encoding, Backbone = s_small, Epochs = 1, BatchSize = 4, WarmupSteps = 1, Threads = 1 };

    private static GineEstimator Trainer(MLContext ml, string kind, GraphEncoding encoding) => kind switch
    {
        "regression" => ml.Regression.Trainers.Gine(Gine(encoding)),
        "binary" => ml.BinaryClassification.Trainers.Gine(Gine(encoding)),
        _ => ml.MulticlassClassification.Trainers.Gine(Gine(encoding)),
    };

    private static IDataView Data(MLContext ml, string kind) => kind switch
    {
        "regression" => Regression(ml),
        "binary" => Binary(ml),
        _ => Multiclass(ml),
    };

    [Theory]
    [InlineData("regression")]
    [InlineData("binary")]
    [InlineData("multiclass")]
    public void Gine_SchemasAgree(string kind)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(Trainer(ml, kind, new RwseEncoding(4)), Data(ml, kind));
    }

    [Theory]
    [InlineData("regression")]
    [InlineData("binary")]
    [InlineData("multiclass")]
    public void Gine_InvalidInputFailsNamingTheColumn(string kind)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckInvalidInput(Trainer(ml, kind, new NoEncoding()), Invalid(ml), "Graph");
        IDataView noLabel = ml.Data.LoadFromEnumerable(Graphs(2, seed: 4).Select(g => new UnlabeledRow { Graph = g }).ToList());
        EstimatorWorkout.CheckInvalidInput(Trainer(ml, kind, new NoEncoding()), noLabel, "Label");
    }

    [Theory]
    [InlineData("regression", "spe")]
    [InlineData("binary", "lap")]
    [InlineData("multiclass", "rwse")]
    public void Gine_ModelSaveLoadGivesIdenticalOutput(string kind, string encoding)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Data(ml, kind);
        GineTransformer fitted = Trainer(ml, kind, Encoding(encoding)).Fit(data);
        EstimatorWorkout.CheckModelSaveLoad(fitted, data);
    }

    private static GraphEncoding Encoding(string name) => name switch
    {
        "lap" => new LapPeEncoding(4),
        "rwse" => new RwseEncoding(5),
        _ => new SpeEncoding(6, s_spe),
    };

    private static GraphEncodingOptions EncodingOptions(string encoding, GraphEncodingReadout readout)
    {
        GraphEncoding e = Encoding(encoding);
        return new GraphEncodingOptions("Graph", "Pe", e, readout, e is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null);
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    [InlineData("spe", GraphEncodingReadout.Nodes)]
    public void GraphEncodingOnnx_SchemasAgree(string encoding, GraphEncodingReadout readout)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncodingOnnx(EncodingOptions(encoding, readout)), Regression(ml));
    }

    [Fact]
    public void GraphEncodingOnnx_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncodingOnnx(EncodingOptions("lap", GraphEncodingReadout.Mean)), Invalid(ml), "Graph");
        IDataView noGraph = ml.Data.LoadFromEnumerable(new[] { new LabelOnlyRow { Label = 1f } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncodingOnnx(EncodingOptions("lap", GraphEncodingReadout.Mean)), noGraph, "Graph");
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Nodes)]
    [InlineData("spe", GraphEncodingReadout.Mean)]
    public void GraphEncodingOnnx_ModelSaveLoadGivesIdenticalOutput(string encoding, GraphEncodingReadout readout)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Regression(ml);
        EstimatorWorkout.CheckModelSaveLoad(ml.Transforms.GraphEncodingOnnx(EncodingOptions(encoding, readout)).Fit(data), data);
    }

    [Fact]
    public void GraphEncodingSpe_GraphModelRoundTripGivesIdenticalOutput()
    {
        // The managed SPE transform refuses mlContext.Model.Save; its fitted state (φ/ρ) persists in the GraphModel.
        var ml = new MLContext(seed: 1);
        IDataView data = Regression(ml);
        GineTransformer trained = ml.Regression.Trainers.Gine(Gine(new SpeEncoding(6, s_spe))).Fit(data);
        var options = new GraphEncodingOptions("Graph", "Pe", trained.Model.Definition.Encoding, GraphEncodingReadout.Mean, trained.Model.Spe);
        using GraphEncodingTransformer fitted = EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncoding(options), data);
        using var dir = new TempDirectory();
        ITransformer loaded = EstimatorWorkout.CheckRoundTrip(fitted, data, t =>
        {
            string path = dir.File("graph.onnx");
            trained.Model.Save(path);
            GraphModel model = GraphModel.Load(path);
            return new MLContext(seed: 2).Transforms.GraphEncoding(t.Options with { SpeParameters = model.Spe }).Fit(data);
        });
        (loaded as IDisposable)?.Dispose();
    }

    private sealed class RegressionRow
    {
        public Graph? Graph { get; set; }

        public float Label { get; set; }
    }

    private sealed class BinaryRow
    {
        public Graph? Graph { get; set; }

        public bool Label { get; set; }
    }

    private sealed class MulticlassRow
    {
        public Graph? Graph { get; set; }

        public uint Class { get; set; }
    }

    private sealed class UnlabeledRow
    {
        public Graph? Graph { get; set; }
    }

    private sealed class FloatRow
    {
        public float Graph { get; set; }

        public float Label { get; set; }
    }

    private sealed class LabelOnlyRow
    {
        public float Label { get; set; }
    }
}

/// <summary>
/// <see cref="EstimatorWorkout"/> on <c>AdapterFineTuning</c> (tiny encoder, two steps). Shares the collection of
/// <see cref="AdapterFineTuningEstimatorTests"/>, which clears the process-wide tokenizer registry.
/// </summary>
[Collection(TokenizationRegistryCollection.Name)]
public sealed class AdapterFineTuningWorkoutTests
{
    private static AdapterFineTuningEstimator Estimator(MLContext ml, TinyTextTask task, TempDirectory dir)
    {
        string modelPath = dir.File("tiny.onnx");
        OnnxModelIO.Save(task.Encoder, modelPath);
        return ml.MulticlassClassification.Trainers.AdapterFineTuning(new AdapterFineTuningOptions
        {
            ModelPath = modelPath,
            VocabPath = task.VocabPath,
            FineTune = new FineTuneOptions { Method = FineTuneMethod.Pissa, Rank = 2, BatchSize = 8, MaxLength = 8, MaxSteps = 2, Seed = 11 },
        });
    }

    private static IDataView Data(MLContext ml) =>
        ml.Data.LoadFromEnumerable(TinyTextTask.Sentences(16, seed: 1).Select(r => new Row { Text = r.Text, Label = r.Label }).ToList());

    [Fact]
    public void AdapterFineTuning_SchemasAgree()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(Estimator(ml, task, dir), Data(ml));
    }

    [Fact]
    public void AdapterFineTuning_InvalidInputFailsNamingTheColumn()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckInvalidInput(Estimator(ml, task, dir), ml.Data.LoadFromEnumerable(new[] { new NumericTextRow { Text = 1f, Label = 0 } }), "Text");
        EstimatorWorkout.CheckInvalidInput(Estimator(ml, task, dir), ml.Data.LoadFromEnumerable(new[] { new UnlabeledRow { Text = "good" } }), "Label");
    }

    [Fact]
    public void AdapterFineTuning_ModelSaveLoadGivesIdenticalOutput()
    {
        using var task = new TinyTextTask();
        using var dir = new TempDirectory();
        var ml = new MLContext(seed: 1);
        IDataView data = Data(ml);
        EstimatorWorkout.CheckModelSaveLoad(Estimator(ml, task, dir).Fit(data), data);
    }

    private sealed class Row
    {
        public string Text { get; set; } = "";

        public int Label { get; set; }
    }

    private sealed class NumericTextRow
    {
        public float Text { get; set; }

        public int Label { get; set; }
    }

    private sealed class UnlabeledRow
    {
        public string Text { get; set; } = "";
    }
}

/// <summary>Tests that touch <see cref="TokenizationMapping"/>'s process-wide registry run one at a time.</summary>
[CollectionDefinition(Name)]
public sealed class TokenizationRegistryCollection
{
    public const string Name = "Tokenization registry";
}
