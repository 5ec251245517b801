using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Testing;
using Pipelines.Trainers.Graphs;
using Pipelines.Trainers.Graphs.MLNet;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

public sealed class GineEstimatorTests
{
    private static readonly GineOptions s_small = new(HiddenSize: 16, Layers: 2, Pooling: GraphPooling.Sum, HeadHiddenSize: 16);

    private static GraphEncoding Encoding(string name) => name switch
    {
        "lap" => new LapPeEncoding(6),
        "rwse" => new RwseEncoding(5),
        "spe" => new SpeEncoding(6, new SpeOptions(EigenvalueFunctions: 3, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 4)),
        "spe-mean" => new SpeEncoding(6, new SpeOptions(EigenvalueFunctions: 3, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 4, ColumnReduction: SpeColumnReduction.Mean)),
        "spe-component" => new SpeEncoding(12, new SpeOptions(EigenvalueFunctions: 3, RhoLayers: 1, RhoHiddenSize: 8, OutputSize: 4, ColumnScope: SpeColumnScope.SameComponent)),
        _ => new NoEncoding(),
    };

    /// <summary>Random typed graphs (3 node types, 2 edge types, 2 attributes) of 4..10 nodes; some disconnected.</summary>
    private static List<Graph> TypedGraphs(int count, int seed)
    {
        var rng = new Random(seed);
        var graphs = new List<Graph>();
        for (int g = 0; g < count; g++)
        {
            int n = rng.Next(4, 11);
            var src = new List<int>();
            var dst = new List<int>();
            for (int i = 0; i < n; i++)
            {
                for (int j = i + 1; j < n; j++)
                {
                    if (rng.NextDouble() < 0.3)
                    {
                        src.Add(i);
                        dst.Add(j);
                    }
                }
            }

            int[] types = Enumerable.Range(0, n).Select(_ => rng.Next(3)).ToArray();
            int[] edgeTypes = src.Select(_ => rng.Next(2)).ToArray();
            float[] attrs = Enumerable.Range(0, 2 * n).Select(_ => (float)rng.NextDouble()).ToArray();
            float target = types.Count(t => t == 1) + (0.5f * src.Count);
            graphs.Add(new Graph(n, [.. src], [.. dst], types, edgeTypes, attrs, target, id: $"g{g}"));
        }

        return graphs;
    }

    private static IDataView Regression(MLContext ml, IEnumerable<Graph> graphs) =>
        ml.Data.LoadFromEnumerable(graphs.Select(g => new RegressionRow { Graph = g, Label = g.Target }));

    [Fact]
    public void Fit_WithCheckpointDirectory_RefitResumesToTheSameScores()
    {
        var ml = new MLContext(1);
        List<Graph> graphs = TypedGraphs(16, seed: 9);
        string dir = Path.Combine(Path.GetTempPath(), $"gine-ckpt-{Guid.NewGuid():N}");
        try
        {
            var trained = new List<EpochReport>();
            var options = new GineTrainerOptions { Encoding = Encoding("rwse"), Backbone = s_small, Epochs = 2, BatchSize = 8, WarmupSteps = 1, Threads = 1, Batching = GraphBatching.SizeBucketed, CheckpointDirectory = dir };
            using GineTransformer firstModel = ml.Regression.Trainers.Gine(options with { Progress = new Recorder(trained) }).Fit(Regression(ml, graphs));
            float[] first = Scores(firstModel.Transform(Regression(ml, graphs)));
            Assert.True(File.Exists(Path.Combine(dir, "state.bin")));
            var replayed = new List<EpochReport>();
            using GineTransformer againModel = ml.Regression.Trainers.Gine(options with { Progress = new Recorder(replayed) }).Fit(Regression(ml, graphs));
            float[] again = Scores(againModel.Transform(Regression(ml, graphs)));
            Assert.Equal(2, replayed.Count);
            Assert.Equal(trained, replayed); // the saved reports, wall times included: no epoch was trained again
            Assert.Equal(first, again);
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    private sealed class Recorder(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("lap")]
    [InlineData("rwse")]
    [InlineData("spe")]
    [InlineData("spe-mean")]
    [InlineData("spe-component")]
    public void Scores_MatchTheGraphPredictor(string encoding)
    {
        // The chain's ONNX prelude (one-hot types, padded eigenpairs, RWSE as diag(Pᵗ), masks) must reproduce the
        // batch tensors the model was trained on: ML.NET scores equal GraphPredictor's on the same graphs.
        var ml = new MLContext(1);
        List<Graph> graphs = TypedGraphs(24, seed: 5);
        GineEstimator estimator = ml.Regression.Trainers.Gine(new GineTrainerOptions { Encoding = Encoding(encoding), Backbone = s_small, Epochs = 1, BatchSize = 8, WarmupSteps = 1 });
        using GineTransformer model = estimator.Fit(Regression(ml, graphs));
        float[] scores = Scores(model.Transform(Regression(ml, graphs)));

        using var predictor = new GraphPredictor(model.Model);
        float[][] expected = predictor.Predict(graphs, PrecomputedEncoding.ComputeMany(graphs, model.Model.Definition.Encoding));
        for (int i = 0; i < graphs.Count; i++)
        {
            Assert.True(Math.Abs(scores[i] - expected[i][0]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i][0])), $"{encoding} graph {i}: chain {scores[i]} vs predictor {expected[i][0]}");
        }
    }

    [Fact]
    public void Regression_TrainsAndSaveLoadGivesIdenticalScores()
    {
        var ml = new MLContext(1);
        List<Graph> train = TypedGraphs(64, seed: 1);
        List<Graph> test = TypedGraphs(24, seed: 2);
        GineEstimator estimator = ml.Regression.Trainers.Gine(new GineTrainerOptions
        {
            Encoding = Encoding("spe"),
            Backbone = s_small,
            Epochs = 25,
            BatchSize = 16,
            LearningRate = 1e-2f,
            WarmupSteps = 5,
        });
        using GineTransformer model = estimator.Fit(Regression(ml, train));
        Assert.Equal(25, model.Reports.Count);
        Assert.True(model.Reports[^1].TrainLoss < 0.5 * model.Reports[0].TrainLoss, $"loss {model.Reports[0].TrainLoss:F3} → {model.Reports[^1].TrainLoss:F3}");

        IDataView scored = model.Transform(Regression(ml, test));
        RegressionMetrics metrics = ml.Regression.Evaluate(scored);
        float mean = train.Average(g => g.Target);
        double constant = test.Average(g => Math.Abs(g.Target - mean));
        Assert.True(metrics.MeanAbsoluteError < 0.6 * constant, $"MAE {metrics.MeanAbsoluteError:F3} vs constant predictor {constant:F3}");

        using var dir = new TempDirectory();
        string zip = dir.File("gine.zip");
        ml.Model.Save(model, Regression(ml, train).Schema, zip);
        var fresh = new MLContext(2);
        ITransformer loaded = fresh.Model.Load(zip, out _);
        using var loadedOwner = loaded as IDisposable;
        float[] expected = Scores(scored);
        Assert.Equal(expected, Scores(loaded.Transform(Regression(fresh, test))));

        // Single-row scoring through ML.NET's prediction engine gives the same value.
        using var engine = fresh.Model.CreatePredictionEngine<RegressionRow, RegressionPrediction>(loaded, new PredictionEngineOptions { OwnsTransformer = false });
        Assert.Equal(expected[3], engine.Predict(new RegressionRow { Graph = test[3], Label = 0 }).Score);
    }

    [Fact]
    public void BinaryClassification_BeatsTheMajorityAndRoundTrips()
    {
        var ml = new MLContext(1);
        List<Graph> train = TypedGraphs(96, seed: 3);
        List<Graph> test = TypedGraphs(48, seed: 4);
        static bool Label(Graph g) => g.NodeTypes!.Count(t => t == 1) >= 3;
        IDataView Data(MLContext c, IEnumerable<Graph> gs) => c.Data.LoadFromEnumerable(gs.Select(g => new BinaryRow { Graph = g, Label = Label(g) }));
        GineEstimator estimator = ml.BinaryClassification.Trainers.Gine(new GineTrainerOptions
        {
            Encoding = Encoding("rwse"),
            Backbone = s_small,
            Epochs = 20,
            BatchSize = 16,
            LearningRate = 1e-2f,
            WarmupSteps = 5,
        });
        using GineTransformer model = estimator.Fit(Data(ml, train));
        IDataView scored = model.Transform(Data(ml, test));
        CalibratedBinaryClassificationMetrics metrics = ml.BinaryClassification.Evaluate(scored);
        double positive = test.Average(g => Label(g) ? 1.0 : 0.0);
        double majority = Math.Max(positive, 1 - positive);
        Assert.True(metrics.Accuracy > majority + 0.1, $"accuracy {metrics.Accuracy:F3}, majority {majority:F3}");

        using var dir = new TempDirectory();
        string zip = dir.File("gine-binary.zip");
        ml.Model.Save(model, Data(ml, train).Schema, zip);
        ITransformer loaded = new MLContext(2).Model.Load(zip, out _);
        using var loadedOwner = loaded as IDisposable;
        CalibratedBinaryClassificationMetrics again = ml.BinaryClassification.Evaluate(loaded.Transform(Data(ml, test)));
        Assert.Equal(metrics.Accuracy, again.Accuracy);
        Assert.Equal(metrics.AreaUnderRocCurve, again.AreaUnderRocCurve);
    }

    [Fact]
    public void MulticlassClassification_OutputsKeyAndProbabilities()
    {
        var ml = new MLContext(1);
        List<Graph> graphs = TypedGraphs(48, seed: 6);
        IDataView data = ml.Data.LoadFromEnumerable(graphs.Select(g => new MulticlassRow { Graph = g, Class = (uint)(g.NodeCount % 3) }));
        data = ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
        using GineTransformer model = ml.MulticlassClassification.Trainers.Gine(new GineTrainerOptions { Encoding = Encoding("lap"), Backbone = s_small, Epochs = 3, BatchSize = 16 }).Fit(data);
        IDataView scored = model.Transform(data);
        Assert.Equal(3UL, ((KeyDataViewType)scored.Schema[GineCatalog.PredictedLabelColumn].Type).Count);
        MulticlassClassificationMetrics metrics = ml.MulticlassClassification.Evaluate(scored);
        Assert.InRange(metrics.MacroAccuracy, 0, 1);
        foreach (float[] p in ml.Data.CreateEnumerable<ScoreRow>(scored, reuseRowObject: false).Select(r => r.Score))
        {
            Assert.Equal(3, p.Length);
            Assert.Equal(1f, p.Sum(), 4);
        }
    }

    [Fact]
    public void WrongGraphColumnType_IsNamed()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(new[] { new FloatRow { Graph = 1f, Label = 2f } });
        GineEstimator estimator = ml.Regression.Trainers.Gine(labelColumnName: "Label", graphColumnName: "Graph", encoding: new NoEncoding(), epochs: 1);
        var fit = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.Fit(data));
        Assert.Contains("'Graph'", fit.Message, StringComparison.Ordinal);
        Assert.Contains("expected Graph", fit.Message, StringComparison.Ordinal);
        var shape = Assert.Throws<ArgumentOutOfRangeException>(() => estimator.GetOutputSchema(SchemaShapeOf(data)));
        Assert.Contains("'Graph'", shape.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void WrongLabelType_IsNamed()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(TypedGraphs(4, seed: 1).Select(g => new RegressionRow { Graph = g, Label = 1 }));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => ml.BinaryClassification.Trainers.Gine(encoding: new NoEncoding(), epochs: 1).Fit(data));
        Assert.Contains("Label column 'Label'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Boolean", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GetOutputSchema_NamesTheScoreColumns()
    {
        var ml = new MLContext(1);
        IDataView data = ml.Data.LoadFromEnumerable(TypedGraphs(4, seed: 1).Select(g => new BinaryRow { Graph = g, Label = true }));
        SchemaShape shape = ml.BinaryClassification.Trainers.Gine(encoding: Encoding("spe"), epochs: 1).GetOutputSchema(SchemaShapeOf(data));
        string[] names = shape.Select(c => c.Name).ToArray();
        Assert.Contains(GineCatalog.ScoreColumn, names);
        Assert.Contains(GineCatalog.ProbabilityColumn, names);
        Assert.Contains(GineCatalog.PredictedLabelColumn, names);
        Assert.DoesNotContain(names, n => n.StartsWith("Pipelines", StringComparison.Ordinal));
    }

    private static SchemaShape SchemaShapeOf(IDataView data) => EstimatorWorkout.Shape(data.Schema);

    private static float[] Scores(IDataView scored)
    {
        DataViewSchema.Column score = scored.Schema[GineCatalog.ScoreColumn];
        var result = new List<float>();
        using DataViewRowCursor cursor = scored.GetRowCursor([score]);
        ValueGetter<float> get = cursor.GetGetter<float>(score);
        float v = 0;
        while (cursor.MoveNext())
        {
            get(ref v);
            result.Add(v);
        }

        return [.. result];
    }

    private sealed class RegressionRow
    {
        public Graph? Graph { get; set; }

        public float Label { get; set; }
    }

    private sealed class RegressionPrediction
    {
        public float Score { get; set; }
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

    private sealed class FloatRow
    {
        public float Graph { get; set; }

        public float Label { get; set; }
    }

    private sealed class ScoreRow
    {
        public float[] Score { get; set; } = [];
    }

    private static GineTrainerOptions WorkoutOptions(GraphEncoding encoding) =>
        new() { Encoding = encoding, Backbone = s_small, Epochs = 1, BatchSize = 4, WarmupSteps = 1, Threads = 1 };

    private static GineEstimator WorkoutTrainer(MLContext ml, string kind, GraphEncoding encoding) => kind switch
    {
        "regression" => ml.Regression.Trainers.Gine(WorkoutOptions(encoding)),
        "binary" => ml.BinaryClassification.Trainers.Gine(WorkoutOptions(encoding)),
        _ => ml.MulticlassClassification.Trainers.Gine(WorkoutOptions(encoding)),
    };

    private static IDataView WorkoutData(MLContext ml, string kind)
    {
        List<Graph> graphs = TypedGraphs(12, seed: 1);
        if (kind == "regression")
        {
            return Regression(ml, graphs);
        }

        if (kind == "binary")
        {
            return ml.Data.LoadFromEnumerable(graphs.Select(g => new BinaryRow { Graph = g, Label = g.NodeCount % 2 == 0 }).ToList());
        }

        IDataView data = ml.Data.LoadFromEnumerable(graphs.Select(g => new MulticlassRow { Graph = g, Class = (uint)(g.NodeCount % 3) }).ToList());
        return ml.Transforms.Conversion.MapValueToKey("Label", "Class").Fit(data).Transform(data);
    }

    [Theory]
    [InlineData("regression")]
    [InlineData("binary")]
    [InlineData("multiclass")]
    public void Workout_SchemasAgree(string kind)
    {
        var ml = new MLContext(1);
        using GineTransformer fitted = EstimatorWorkout.CheckSchemas(WorkoutTrainer(ml, kind, Encoding("rwse")), WorkoutData(ml, kind));
    }

    [Theory]
    [InlineData("regression")]
    [InlineData("binary")]
    [InlineData("multiclass")]
    public void Workout_InvalidInputFailsNamingTheColumn(string kind)
    {
        var ml = new MLContext(1);
        IDataView mistyped = ml.Data.LoadFromEnumerable(new[] { new FloatRow { Graph = 1f, Label = 1f } });
        EstimatorWorkout.CheckInvalidInput(WorkoutTrainer(ml, kind, Encoding("none")), mistyped, "Graph");
        IDataView unlabeled = ml.Data.LoadFromEnumerable(TypedGraphs(2, seed: 4).Select(g => new UnlabeledRow { Graph = g }).ToList());
        EstimatorWorkout.CheckInvalidInput(WorkoutTrainer(ml, kind, Encoding("none")), unlabeled, "Label");
    }

    [Theory]
    [InlineData("regression", "spe")]
    [InlineData("binary", "lap")]
    [InlineData("multiclass", "rwse")]
    [WorkoutCovers(typeof(GineEstimator), typeof(GineTransformer))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput(string kind, string encoding)
    {
        var ml = new MLContext(1);
        IDataView data = WorkoutData(ml, kind);
        using GineTransformer fitted = WorkoutTrainer(ml, kind, Encoding(encoding)).Fit(data);
        Action<ITransformer, IDataView, double> check = kind switch
        {
            "regression" => EstimatorWorkout.CheckMlNetConventions<RegressionRow>,
            "binary" => EstimatorWorkout.CheckMlNetConventions<BinaryRow>,
            _ => EstimatorWorkout.CheckMlNetConventions<MulticlassRow>,
        };
        check(fitted, data, 0);
    }

    private sealed class UnlabeledRow
    {
        public Graph? Graph { get; set; }
    }
}
