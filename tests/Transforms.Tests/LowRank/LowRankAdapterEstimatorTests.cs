using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Onnx;
using Pipelines.Testing;
using Pipelines.Transforms.LowRank;
using Xunit;

namespace Pipelines.Transforms.Tests.LowRank;

public class LowRankAdapterEstimatorTests
{
    private sealed class Row
    {
        [VectorType(TinyModel.In)]
        public float[] X { get; set; } = [];
    }

    private sealed class Scored
    {
        [VectorType(TinyModel.Out)]
        public float[] Y { get; set; } = [];
    }

    [Fact]
    public void Fit_ScoresLikeTheBaseModel_AndSurvivesSaveLoad()
    {
        var ml = new MLContext(seed: 1);
        float[] x = TinyModel.Input(6);
        Row[] rows = Enumerable.Range(0, 6).Select(i => new Row { X = x.AsSpan(i * TinyModel.In, TinyModel.In).ToArray() }).ToArray();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        OnnxModel model = TinyModel.Create();
        LowRankAdapterEstimator estimator = ml.Transforms.LowRank.InitializeAdapters(new LowRankAdapterOptions
        {
            Model = model,
            InputColumnNames = ["X"],
            OutputColumnNames = ["Y"],
            Initialization = new LowRankOptions { Method = LowRankMethod.PissaFast, Rank = 2 },
        });
        Assert.Contains(estimator.GetOutputSchema(EstimatorWorkout.Shape(data.Schema)), c => c.Name == "Y");

        using LowRankAdapterTransformer fitted = estimator.Fit(data);
        Assert.Equal(2, fitted.Adapters.Adapters.Count);
        Assert.Equal(2, fitted.Report.Layers.Count);
        float[] expected = TinyModel.Run(model, x);
        float[] scored = ml.Data.CreateEnumerable<Scored>(fitted.Transform(data), reuseRowObject: false).SelectMany(s => s.Y).ToArray();
        Assert.True(TinyModel.MaxAbsDiff(expected, scored) < 1e-5);

        using var stream = new MemoryStream();
        ml.Model.Save(fitted, data.Schema, stream);
        stream.Position = 0;
        var ml2 = new MLContext(seed: 2);
        ITransformer loaded = ml2.Model.Load(stream, out _);
        using var loadedOwner = loaded as IDisposable; // ML.NET deletes its temporary copy of the graph on Dispose
        float[] reloaded = ml2.Data.CreateEnumerable<Scored>(loaded.Transform(data), reuseRowObject: false).SelectMany(s => s.Y).ToArray();
        Assert.Equal(scored, reloaded);
    }

    [Fact]
    public void Fit_Eva_ReadsCalibrationRowsFromTheData()
    {
        var ml = new MLContext(seed: 1);
        float[] x = TinyModel.Input(24, seed: 3);
        Row[] rows = Enumerable.Range(0, 24).Select(i => new Row { X = x.AsSpan(i * TinyModel.In, TinyModel.In).ToArray() }).ToArray();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        OnnxModel model = TinyModel.Create();
        using LowRankAdapterTransformer fitted = ml.Transforms.LowRank.InitializeAdapters(new LowRankAdapterOptions
        {
            Model = model,
            InputColumnNames = ["X"],
            OutputColumnNames = ["Y"],
            CalibrationBatchSize = 8,
            Initialization = new LowRankOptions { Method = LowRankMethod.Eva, Rank = 2 },
        }).Fit(data);
        Assert.Equal(4, fitted.Report.Layers.Sum(l => l.Rank));
        Assert.All(fitted.Report.Layers, l => Assert.True(l.PowerIterations >= 1, "each target saw calibration batches"));
        float[] scored = ml.Data.CreateEnumerable<Scored>(fitted.Transform(data), reuseRowObject: false).SelectMany(s => s.Y).ToArray();
        Assert.True(TinyModel.MaxAbsDiff(TinyModel.Run(model, x), scored) < 1e-5);
    }

    [Fact]
    public void InitializeAdapters_ThrowsForInvalidOptions()
    {
        var ml = new MLContext();
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.LowRank.InitializeAdapters(new LowRankAdapterOptions
        {
            Model = TinyModel.Create(),
            InputColumnNames = ["X"],
            OutputColumnNames = ["Y"],
            Initialization = new LowRankOptions { Rank = 0 },
        }));
    }

    private static IDataView WorkoutData(MLContext ml)
    {
        float[] x = TinyModel.Input(6);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new Row { X = x.AsSpan(i * TinyModel.In, TinyModel.In).ToArray() }).ToList());
    }

    private static LowRankAdapterEstimator WorkoutEstimator(MLContext ml, LowRankMethod method = LowRankMethod.PissaFast) =>
        ml.Transforms.LowRank.InitializeAdapters(new LowRankAdapterOptions
        {
            Model = TinyModel.Create(),
            InputColumnNames = ["X"],
            OutputColumnNames = ["Y"],
            CalibrationBatchSize = 3,
            Initialization = new LowRankOptions { Method = method, Rank = 2 },
        });

    [Theory]
    [InlineData(LowRankMethod.PissaFast)]
    [InlineData(LowRankMethod.Eva)]
    public void Workout_SchemasAgree(LowRankMethod method)
    {
        var ml = new MLContext(seed: 1);
        using LowRankAdapterTransformer fitted = EstimatorWorkout.CheckSchemas(WorkoutEstimator(ml, method), WorkoutData(ml));
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView invalid = ml.Data.LoadFromEnumerable(new[] { new WrongRow { Z = new float[TinyModel.In] } });
        EstimatorWorkout.CheckInvalidInput(WorkoutEstimator(ml), invalid, "X");
        using LowRankAdapterTransformer fitted = WorkoutEstimator(ml).Fit(WorkoutData(ml));
        EstimatorWorkout.CheckInvalidInput(fitted, invalid, "X");
    }

    [Fact]
    [WorkoutCovers(typeof(LowRankAdapterEstimator), typeof(LowRankAdapterTransformer))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = WorkoutData(ml);
        EstimatorWorkout.CheckMlNetConventions<Row>(WorkoutEstimator(ml).Fit(data), data, tolerance: 1e-6);
    }

    private sealed class WrongRow
    {
        [VectorType]
        public float[] Z { get; set; } = [];
    }
}
