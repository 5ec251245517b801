using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Transforms.Topology;
using Xunit;

namespace Pipelines.Transforms.Tests.Topology;

public sealed class MmaTransformerTests
{
    private sealed class CloudRow
    {
        [VectorType]
        public float[] Points { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class GraphRow
    {
        [VectorType]
        public float[] Edges { get; set; } = [];

        public int Nodes { get; set; }
    }

    private sealed class ScalarPointsRow
    {
        public float Points { get; set; }
    }

    private static List<CloudRow> Clouds(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<CloudRow>();
        for (int r = 0; r < count; r++)
        {
            bool circle = r % 2 == 0;
            int n = 20 + rng.Next(10);
            var p = new float[2 * n];
            for (int i = 0; i < n; i++)
            {
                double t = rng.NextDouble() * 2 * Math.PI;
                double rad = circle ? 1 + (0.05 * rng.NextDouble()) : Math.Sqrt(rng.NextDouble());
                p[2 * i] = (float)(rad * Math.Cos(t));
                p[(2 * i) + 1] = (float)(rad * Math.Sin(t));
            }

            rows.Add(new CloudRow { Points = p, Label = circle ? 1 : 0 });
        }

        return rows;
    }

    private static MmaOptions Options(MmaVectorizer v = MmaVectorizer.Image) => new()
    {
        OutputColumnName = "Features",
        InputColumnName = "Points",
        Input = new PointCloudInput(2),
        CodensityParameter = 0.3f,
        Precision = 0.1f,
        Resolution = 6,
        Landscapes = 2,
        Vectorizer = v,
    };

    private static float[][] Features(IDataView view) =>
        [.. view.GetColumn<VBuffer<float>>("Features").Select(b => b.DenseValues().ToArray())];

    [Theory]
    [InlineData(MmaVectorizer.Image, 72)]
    [InlineData(MmaVectorizer.Landscape, 144)]
    public void FitTransform_GivesFixedLengthFeaturesMatchingTheEstimatorSchema(MmaVectorizer v, int length)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(12, 3));
        MmaEstimator est = ml.Transforms.Topology.ModuleApproximation(Options(v));
        MmaTransformer t = EstimatorWorkout.CheckSchemas(est, data);
        IDataView output = t.Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, length), output.Schema["Features"].Type);
        float[][] f = Features(output);
        Assert.Equal(12, f.Length);
        Assert.All(f, x => Assert.Equal(length, x.Length));
        Assert.All(f, x => Assert.Contains(x, y => y != 0f));
        Assert.NotEqual(f[0], f[1]);
    }

    [Fact]
    public void Decompose_GivesTheSummandsInUnitSquareUnitsWithTheirPrecision()
    {
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(6, 4);
        MmaTransformer t = ml.Transforms.Topology.ModuleApproximation(Options()).Fit(ml.Data.LoadFromEnumerable(rows));
        Assert.True(t.Box.Hi1 > t.Box.Lo1 && t.Box.Hi2 > t.Box.Lo2);
        MmaModule module = t.Decompose(rows[0].Points);
        Assert.Equal(0.1f, module.Precision);
        Assert.Equal(new MeasureBox(0f, 1f, 0f, 1f), module.Box);
        Assert.Equal(21, module.LineOffsets.Length);
        Assert.Single(module.Summands(0), s => float.IsPositiveInfinity(s.DeathCorners[^1].X));
    }

    [Fact]
    [WorkoutCovers(typeof(MmaEstimator), typeof(MmaTransformer))]
    public void Workout_OwnFormatRoundTrip_AndMlNetSaveLoadAndPredictionEngine_GiveIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(8, 3));
        using var dir = new TempDirectory();
        foreach (MmaVectorizer v in new[] { MmaVectorizer.Image, MmaVectorizer.Landscape })
        {
            MmaTransformer fitted = ml.Transforms.Topology.ModuleApproximation(Options(v)).Fit(data);
            var loaded = (MmaTransformer)EstimatorWorkout.CheckRoundTrip(fitted, data, t =>
            {
                string path = dir.File($"mma_{v}.bin");
                t.Save(path);
                return MmaTransformer.Load(path);
            });
            Assert.Equal(fitted.Options, loaded.Options);
            Assert.Equal(fitted.Box, loaded.Box);
            EstimatorWorkout.CheckMlNetConventions<CloudRow>(fitted, data);
        }
    }

    [Fact]
    public void Load_RefusesForeignAndTruncatedFiles()
    {
        using var foreign = new MemoryStream(new byte[64]);
        Assert.Throws<DataFormatException>(() => MmaTransformer.Load(foreign));
        var ml = new MLContext(seed: 1);
        MmaTransformer t = ml.Transforms.Topology.ModuleApproximation(Options()).Fit(ml.Data.LoadFromEnumerable(Clouds(4, 3)));
        using var full = new MemoryStream();
        t.Save(full);
        using var truncated = new MemoryStream(full.ToArray()[..^6]);
        Assert.Throws<DataFormatException>(() => MmaTransformer.Load(truncated));
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView scalar = ml.Data.LoadFromEnumerable(new[] { new ScalarPointsRow { Points = 1f } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.ModuleApproximation(Options()), scalar, "Points");
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.ModuleApproximation(Options()).Fit(ml.Data.LoadFromEnumerable(Clouds(4, 3))), scalar, "Points");
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Topology.ModuleApproximation(Options() with { Precision = 0f }));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Topology.ModuleApproximation(Options() with { Resolution = 1 }));
    }

    [Fact]
    public void Transform_BatchedEqualsRowByRowAndIsDeterministic()
    {
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(70, 8);
        MmaTransformer t = ml.Transforms.Topology.ModuleApproximation(Options()).Fit(ml.Data.LoadFromEnumerable(rows));
        float[][] batched = Features(t.Transform(ml.Data.LoadFromEnumerable(rows)));
        for (int r = 0; r < rows.Count; r += 17)
        {
            Assert.Equal(batched[r], t.Featurize(rows[r].Points));
        }
    }

    [Fact]
    public void Preflight_RefusesTooManyLinesFromThePointCount()
    {
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(4, 3);
        MmaEstimator est = ml.Transforms.Topology.ModuleApproximation(Options() with { Precision = 0.001f, Budget = ComplexBudget.Default with { MaxSimplices = 100_000 } });
        var e = Assert.ThrowsAny<PipelinesException>(() => est.Fit(ml.Data.LoadFromEnumerable(rows)));
        Assert.Equal(ErrorKind.Resource, e.Kind);
        Assert.Contains("2,001 lines", e.Message, StringComparison.Ordinal);
        Assert.Contains("--precision", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GraphAndTimeSeriesInputs_Work()
    {
        var ml = new MLContext(seed: 1);
        var series = Enumerable.Range(0, 6).Select(r => new CloudRow { Points = [.. Enumerable.Range(0, 40).Select(i => (float)Math.Sin(i * (0.2 + (0.1 * r))))] }).ToList();
        MmaTransformer ts = ml.Transforms.Topology.ModuleApproximation(Options() with { Input = new TimeSeriesInput(3, 2, 1) }).Fit(ml.Data.LoadFromEnumerable(series));
        Assert.All(Features(ts.Transform(ml.Data.LoadFromEnumerable(series))), f => Assert.Equal(72, f.Length));

        List<GraphRow> graphs = [.. Enumerable.Range(0, 5).Select(r =>
        {
            int n = 5 + r;
            var e = new List<float>();
            for (int i = 0; i < n; i++)
            {
                e.Add(i);
                e.Add((i + 1) % n);
            }

            return new GraphRow { Edges = [.. e, 0, n], Nodes = n + 1 };
        })];
        var graphOptions = new MmaOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Edges",
            Input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree, 1f),
            Precision = 0.1f,
            Resolution = 5,
            Vectorizer = MmaVectorizer.Landscape,
        };
        MmaTransformer gt = EstimatorWorkout.CheckSchemas(ml.Transforms.Topology.ModuleApproximation(graphOptions), ml.Data.LoadFromEnumerable(graphs));
        float[][] gf = Features(gt.Transform(ml.Data.LoadFromEnumerable(graphs)));
        Assert.All(gf, f => Assert.Equal(2 * 3 * 25, f.Length));
        Assert.NotEqual(gf[0], gf[4]);
    }

    [Fact]
    public void EmptyAndOnePointClouds_GiveFiniteVectors()
    {
        var ml = new MLContext(seed: 1);
        MmaTransformer t = ml.Transforms.Topology.ModuleApproximation(Options()).Fit(ml.Data.LoadFromEnumerable(Clouds(6, 5)));
        Assert.All(t.Featurize([]), x => Assert.Equal(0f, x));
        float[] one = t.Featurize([0.1f, 0.2f]);
        Assert.All(one, x => Assert.True(float.IsFinite(x)));
        Assert.Contains(one, x => x > 0f);
    }
}
