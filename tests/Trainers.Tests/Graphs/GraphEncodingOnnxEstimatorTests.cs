using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Graphs;
using Pipelines.Testing;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

public sealed class GraphEncodingOnnxEstimatorTests
{
    private static readonly SpeOptions s_spe = new(EigenvalueFunctions: 3, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 4, Seed: 7);

    private static List<Graph> Graphs(int count, int seed)
    {
        var rng = new Random(seed);
        return Enumerable.Range(0, count).Select(g =>
        {
            int n = rng.Next(3, 12);
            var src = new List<int>();
            var dst = new List<int>();
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    if (rng.NextDouble() < 0.35)
                    {
                        src.Add(i);
                        dst.Add(j);
                    }
                }
            }

            return new Graph(n, [.. src], [.. dst], target: n, id: $"g{g}");
        }).ToList();
    }

    /// <summary>Stars (λ = 1 of multiplicity n − 2), cycles (paired eigenvalues) and complete graphs, 3 to 11 nodes.</summary>
    private static List<Graph> Degenerate()
    {
        var graphs = new List<Graph>();
        for (int n = 3; n < 12; n++)
        {
            int[] starU = new int[n - 1];
            int[] starV = Enumerable.Range(1, n - 1).ToArray();
            graphs.Add(new Graph(n, starU, starV, target: n, id: $"star{n}"));
            graphs.Add(new Graph(n, Enumerable.Range(0, n).ToArray(), Enumerable.Range(0, n).Select(i => (i + 1) % n).ToArray(), target: n, id: $"cycle{n}"));
            var cu = new List<int>();
            var cv = new List<int>();
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    cu.Add(i);
                    cv.Add(j);
                }
            }

            graphs.Add(new Graph(n, [.. cu], [.. cv], target: n, id: $"complete{n}"));
        }

        return graphs;
    }

    [Theory]
    [InlineData("lap", SpectrumTruncation.Full)]
    [InlineData("lap", SpectrumTruncation.Fixed)]
    [InlineData("spe", SpectrumTruncation.Eigengap)]
    [InlineData("spe", SpectrumTruncation.Full)]
    [InlineData("spe", SpectrumTruncation.Fixed)]
    public void Truncation_OnnxScoringKeepsTheManagedEigenpairs(string kind, SpectrumTruncation truncation)
    {
        // K = 4 and a full-spectrum limit of 6 nodes: graphs of 7+ nodes are cut at an eigengap inside the ONNX graph,
        // which must keep the same d as LaplacianSpectrum.ChooseCount on the managed side.
        var spectrum = new SpectrumOptions(K: 4, Truncation: truncation, FullNodeLimit: 6);
        GraphEncoding encoding = kind == "lap" ? new LapPeEncoding(4, spectrum) : new SpeEncoding(4, s_spe, spectrum);
        SpeParameters? spe = encoding is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null;
        var options = new GraphEncodingOptions("Graph", "PE", encoding, GraphEncodingReadout.Sum, spe);
        var ml = new MLContext(1);
        List<Graph> graphs = Degenerate();
        ITransformer onnx = ml.Transforms.GraphEncodingOnnx(options).Fit(Data(ml, graphs));
        using var onnxOwner = onnx as IDisposable;
        float[][] actual = Column(onnx.Transform(Data(ml, graphs)), "PE");
        using GraphEncodingTransformer managed = ml.Transforms.GraphEncoding(options).Fit(Data(ml, graphs));
        for (int i = 0; i < graphs.Count; i++)
        {
            float[] expected = managed.Encode(graphs[i]);
            for (int c = 0; c < expected.Length; c++)
            {
                Assert.True(Math.Abs(expected[c] - actual[i][c]) <= 1e-4 * Math.Max(1, Math.Abs(expected[c])), $"{kind} {truncation} {graphs[i].Id} [{c}]: {actual[i][c]} vs {expected[c]}");
            }
        }
    }

    private static IDataView Data(MLContext ml, IEnumerable<Graph> graphs) =>
        ml.Data.LoadFromEnumerable(graphs.Select(g => new Row { Graph = g, Label = g.Target }));

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("lap", GraphEncodingReadout.Nodes)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    [InlineData("spe", GraphEncodingReadout.Mean)]
    [InlineData("spe", GraphEncodingReadout.Nodes)]
    public void Output_MatchesTheManagedEncoderAndSurvivesSaveLoad(string kind, GraphEncodingReadout readout)
    {
        GraphEncoding encoding = kind switch
        {
            "lap" => new LapPeEncoding(5),
            "rwse" => new RwseEncoding(6),
            _ => new SpeEncoding(6, s_spe),
        };
        SpeParameters? spe = encoding is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null;
        var options = new GraphEncodingOptions("Graph", "PE", encoding, readout, spe);
        var ml = new MLContext(1);
        List<Graph> graphs = Graphs(20, seed: 3);
        ITransformer onnx = ml.Transforms.GraphEncodingOnnx(options).Fit(Data(ml, graphs));
        using var onnxOwner = onnx as IDisposable;
        float[][] actual = Column(onnx.Transform(Data(ml, graphs)), "PE");

        // Independent path: the managed GraphEncodingTransformer (PrecomputedEncoding / SpeEncoder, its own spectra).
        using GraphEncodingTransformer managed = ml.Transforms.GraphEncoding(options).Fit(Data(ml, graphs));
        for (int i = 0; i < graphs.Count; i++)
        {
            float[] expected = managed.Encode(graphs[i]);
            Assert.Equal(expected.Length, actual[i].Length);
            for (int c = 0; c < expected.Length; c++)
            {
                Assert.True(Math.Abs(expected[c] - actual[i][c]) <= 1e-4 * Math.Max(1, Math.Abs(expected[c])), $"{kind} {readout} graph {i} [{c}]: {actual[i][c]} vs {expected[c]}");
            }
        }

        using var dir = new TempDirectory();
        string zip = dir.File("pe.zip");
        ml.Model.Save(onnx, Data(ml, graphs).Schema, zip);
        ITransformer loaded = new MLContext(2).Model.Load(zip, out _);
        using var loadedOwner = loaded as IDisposable;
        float[][] again = Column(loaded.Transform(Data(ml, graphs)), "PE");
        Assert.Equal(actual, again);
    }

    [Fact]
    public void TrainedSpe_FeedsAnotherTrainer()
    {
        // φ/ρ trained by the GINE regression trainer become a fixed encoding column that an ML.NET trainer consumes.
        var ml = new MLContext(1);
        List<Graph> graphs = Graphs(48, seed: 4);
        using GineTransformer gine = ml.Regression.Trainers.Gine(new GineTrainerOptions
        {
            Encoding = new SpeEncoding(6, s_spe),
            Backbone = new GineOptions(HiddenSize: 8, Layers: 1, Pooling: GraphPooling.Sum, HeadHiddenSize: 8),
            Epochs = 3,
            BatchSize = 16,
        }).Fit(Data(ml, graphs));
        Assert.NotNull(gine.Model.Spe);

        IEstimator<ITransformer> pipeline = ml.Transforms.GraphEncodingOnnx(gine.Model, "PE", readout: GraphEncodingReadout.Sum)
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Label", featureColumnName: "PE", maximumNumberOfIterations: 20));
        ITransformer fitted = pipeline.Fit(Data(ml, graphs));
        using var fittedOwner = fitted as IDisposable;
        RegressionMetrics metrics = ml.Regression.Evaluate(fitted.Transform(Data(ml, graphs)));
        Assert.True(double.IsFinite(metrics.MeanAbsoluteError));

        // The trained parameters are the ones used: the untrained φ/ρ give a different encoding.
        ITransformer trainedEncoding = ml.Transforms.GraphEncodingOnnx(gine.Model, "PE").Fit(Data(ml, graphs));
        using var trainedOwner = trainedEncoding as IDisposable;
        float[][] trained = Column(trainedEncoding.Transform(Data(ml, graphs)), "PE");
        var untrained = new GraphEncodingOptions("Graph", "PE", gine.Model.Definition.Encoding, GraphEncodingReadout.Mean, SpeParameters.Initialize(s_spe));
        ITransformer initialEncoding = ml.Transforms.GraphEncodingOnnx(untrained).Fit(Data(ml, graphs));
        using var initialOwner = initialEncoding as IDisposable;
        float[][] initial = Column(initialEncoding.Transform(Data(ml, graphs)), "PE");
        Assert.NotEqual(initial, trained);
    }

    [Fact]
    public void WrongInputType_IsNamed()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new FloatRow { Graph = 1 } });
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.GraphEncodingOnnx(new GraphEncodingOptions("Graph", "PE", new RwseEncoding(4))).Fit(data));
        Assert.Contains("'Graph'", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => ml.Transforms.GraphEncodingOnnx(new GraphEncodingOptions("Graph", "PE", new SpeEncoding(4))));
    }

    private static float[][] Column(IDataView data, string name)
    {
        DataViewSchema.Column col = data.Schema[name];
        var rows = new List<float[]>();
        using DataViewRowCursor cursor = data.GetRowCursor([col]);
        ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(col);
        VBuffer<float> v = default;
        while (cursor.MoveNext())
        {
            get(ref v);
            rows.Add(v.DenseValues().ToArray());
        }

        return [.. rows];
    }

    private sealed class Row
    {
        public Graph? Graph { get; set; }

        public float Label { get; set; }
    }

    private sealed class FloatRow
    {
        public float Graph { get; set; }
    }

    private static GraphEncodingOptions WorkoutOptions(string kind, GraphEncodingReadout readout)
    {
        GraphEncoding encoding = kind switch
        {
            "lap" => new LapPeEncoding(4),
            "rwse" => new RwseEncoding(5),
            _ => new SpeEncoding(6, s_spe),
        };
        return new GraphEncodingOptions("Graph", "PE", encoding, readout, encoding is SpeEncoding s ? SpeParameters.Initialize(s.SpeOptions) : null);
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    [InlineData("spe", GraphEncodingReadout.Nodes)]
    public void Workout_SchemasAgree(string kind, GraphEncodingReadout readout)
    {
        var ml = new MLContext(1);
        using var fitted = EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncodingOnnx(WorkoutOptions(kind, readout)), Data(ml, Graphs(8, seed: 3))) as IDisposable;
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(1);
        GraphEncodingOptions options = WorkoutOptions("lap", GraphEncodingReadout.Mean);
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncodingOnnx(options), ml.Data.LoadFromEnumerable(new[] { new FloatRow { Graph = 1 } }), "Graph");
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncodingOnnx(options), ml.Data.LoadFromEnumerable(new[] { new LabelRow { Label = 1 } }), "Graph");
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Nodes)]
    [InlineData("spe", GraphEncodingReadout.Mean)]
    [WorkoutCovers(typeof(GraphEncodingOnnxEstimator))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput(string kind, GraphEncodingReadout readout)
    {
        var ml = new MLContext(1);
        IDataView data = Data(ml, Graphs(8, seed: 3));
        EstimatorWorkout.CheckMlNetConventions<Row>(ml.Transforms.GraphEncodingOnnx(WorkoutOptions(kind, readout)).Fit(data), data);
    }

    [Fact]
    public void Workout_ManagedSpe_GraphModelRoundTripGivesIdenticalOutput()
    {
        // The managed GraphEncodingTransformer refuses mlContext.Model.Save; its fitted state, SPE's φ/ρ, persists in the
        // GraphModel (GraphModel.Save/Load), from which the transform is rebuilt in a fresh context.
        var ml = new MLContext(1);
        IDataView data = Data(ml, Graphs(8, seed: 3));
        using GineTransformer trained = ml.Regression.Trainers.Gine(new GineTrainerOptions
        {
            Encoding = new SpeEncoding(6, s_spe),
            Backbone = new GineOptions(HiddenSize: 8, Layers: 1, Pooling: GraphPooling.Sum, HeadHiddenSize: 8),
            Epochs = 1,
            BatchSize = 4,
        }).Fit(data);
        var options = new GraphEncodingOptions("Graph", "PE", trained.Model.Definition.Encoding, GraphEncodingReadout.Mean, trained.Model.Spe);
        using GraphEncodingTransformer fitted = EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncoding(options), data);
        using var dir = new TempDirectory();
        using var loaded = (GraphEncodingTransformer)EstimatorWorkout.CheckRoundTrip(fitted, data, t =>
        {
            string path = dir.File("graph.onnx");
            trained.Model.Save(path);
            return new MLContext(2).Transforms.GraphEncoding(t.Options with { SpeParameters = GraphModel.Load(path).Spe }).Fit(data);
        });
    }

    private sealed class LabelRow
    {
        public float Label { get; set; }
    }
}
