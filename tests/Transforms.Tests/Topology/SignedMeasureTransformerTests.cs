using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Transforms.Topology;
using Xunit;

namespace Pipelines.Transforms.Tests.Topology;

public sealed class SignedMeasureTransformerTests
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

    private static List<CloudRow> Clouds(int count, int seed)
    {
        var rng = new Random(seed);
        var rows = new List<CloudRow>();
        for (int r = 0; r < count; r++)
        {
            bool circle = r % 2 == 0;
            int n = 30 + rng.Next(15);
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

    private static SignedMeasureOptions Options(SignedMeasureVectorizer v = SignedMeasureVectorizer.Convolution, SignedMeasureInvariant inv = SignedMeasureInvariant.Hilbert) => new()
    {
        OutputColumnName = "Features",
        InputColumnName = "Points",
        Input = new PointCloudInput(2),
        CodensityParameter = 0.3f,
        GridResolution = 12,
        OutputResolution = 6,
        Directions = 4,
        Bins = 5,
        Vectorizer = v,
        Invariant = inv,
    };

    private static float[][] Features(IDataView view) =>
        [.. view.GetColumn<VBuffer<float>>("Features").Select(b => b.DenseValues().ToArray())];

    [Theory]
    [InlineData(SignedMeasureVectorizer.Convolution, SignedMeasureInvariant.Hilbert, 72)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein, SignedMeasureInvariant.Hilbert, 40)]
    [InlineData(SignedMeasureVectorizer.Convolution, SignedMeasureInvariant.Euler, 36)]
    [InlineData(SignedMeasureVectorizer.Convolution, SignedMeasureInvariant.Rank, 2 * 21 * 21)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein, SignedMeasureInvariant.Rank, 40)]
    public void FitTransform_GivesFixedLengthFeaturesMatchingTheEstimatorSchema(SignedMeasureVectorizer v, SignedMeasureInvariant inv, int length)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(20, 3));
        SignedMeasureEstimator est = ml.Transforms.Topology.SignedMeasure(Options(v, inv));
        SchemaShape shape = est.GetOutputSchema(EstimatorWorkout.Shape(data.Schema));
        SchemaShape.Column col = shape.Single(c => c.Name == "Features");
        Assert.Equal(SchemaShape.Column.VectorKind.Vector, col.Kind);
        Assert.Equal(NumberDataViewType.Single, col.ItemType);
        SignedMeasureTransformer t = est.Fit(data);
        IDataView output = t.Transform(data);
        Assert.Equal(new VectorDataViewType(NumberDataViewType.Single, length), output.Schema["Features"].Type);
        float[][] f = Features(output);
        Assert.Equal(20, f.Length);
        Assert.All(f, x => Assert.Equal(length, x.Length));
        Assert.All(f, x => Assert.Contains(x, y => y != 0f));

        // Circles and disks differ.
        Assert.NotEqual(f[0], f[1]);
    }

    [Fact]
    public void SaveLoad_GivesIdenticalFeatures()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(12, 5));
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options(SignedMeasureVectorizer.SlicedWasserstein)).Fit(data);
        string path = Path.Combine(Path.GetTempPath(), $"topo_{Guid.NewGuid():N}.bin");
        try
        {
            t.Save(path);
            SignedMeasureTransformer loaded = SignedMeasureTransformer.Load(path);
            Assert.Equal(t.FirstGrid.Values.ToArray(), loaded.FirstGrid.Values.ToArray());
            Assert.Equal(t.Options, loaded.Options);
            Assert.Equal(Features(t.Transform(data)), Features(new MLContext(seed: 9).Data.LoadFromEnumerable(Clouds(12, 5)) is var d2 ? loaded.Transform(d2) : null!));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Load_RefusesForeignFile()
    {
        using var s = new MemoryStream(new byte[64]);
        Assert.Throws<DataFormatException>(() => SignedMeasureTransformer.Load(s));
    }

    [Fact]
    public void InvalidInput_FailsInGetOutputSchemaAndFit()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(4, 5));
        SignedMeasureEstimator est = ml.Transforms.Topology.SignedMeasure(Options() with { InputColumnName = "Label" });
        Assert.Throws<ArgumentOutOfRangeException>(() => est.GetOutputSchema(EstimatorWorkout.Shape(data.Schema)));
        Assert.Throws<ArgumentOutOfRangeException>(() => est.Fit(data));
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.Topology.SignedMeasure(Options() with { InputColumnName = "Missing" }).Fit(data));
    }

    [Fact]
    public void Transform_RefusesNaNNamingTheRow()
    {
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(6, 5);
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options()).Fit(ml.Data.LoadFromEnumerable(rows));
        rows[4].Points[3] = float.NaN;
        InvalidOperationException e = Assert.Throws<InvalidOperationException>(() => Features(t.Transform(ml.Data.LoadFromEnumerable(rows))));
        Assert.Contains("row 4", e.Message, StringComparison.Ordinal);
        Assert.Contains("NaN", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Transform_BatchedEqualsRowByRowAndIgnoresPointOrder()
    {
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(70, 8);
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options()).Fit(ml.Data.LoadFromEnumerable(rows));
        float[][] batched = Features(t.Transform(ml.Data.LoadFromEnumerable(rows)));
        for (int r = 0; r < rows.Count; r += 17)
        {
            Assert.Equal(batched[r], t.Featurize(rows[r].Points));
            float[] p = rows[r].Points;
            int n = p.Length / 2;
            float[] reversed = [.. Enumerable.Range(0, n).Reverse().SelectMany(i => new[] { p[2 * i], p[(2 * i) + 1] })];
            float[] other = t.Featurize(reversed);
            for (int k = 0; k < other.Length; k++)
            {
                Assert.Equal(batched[r][k], other[k], 1e-4f);
            }
        }
    }

    [Fact]
    public void EmptyAndOnePointClouds_GiveFiniteVectors()
    {
        var ml = new MLContext(seed: 1);
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options()).Fit(ml.Data.LoadFromEnumerable(Clouds(6, 5)));
        Assert.All(t.Featurize([]), x => Assert.Equal(0f, x));
        float[] one = t.Featurize([0.1f, 0.2f]);
        Assert.All(one, x => Assert.True(float.IsFinite(x)));
    }

    [Fact]
    public void TimeSeriesAndGraphInputs_Work()
    {
        var ml = new MLContext(seed: 1);
        var series = Enumerable.Range(0, 8).Select(r => new CloudRow { Points = [.. Enumerable.Range(0, 60).Select(i => (float)Math.Sin(i * (0.2 + (0.1 * r))))] }).ToList();
        SignedMeasureTransformer ts = ml.Transforms.Topology.SignedMeasure(Options() with { Input = new TimeSeriesInput(3, 2, 1) }).Fit(ml.Data.LoadFromEnumerable(series));
        Assert.All(Features(ts.Transform(ml.Data.LoadFromEnumerable(series))), f => Assert.Equal(72, f.Length));

        List<GraphRow> graphs = Cycles(6);
        SignedMeasureTransformer gt = ml.Transforms.Topology.SignedMeasure(GraphOptions()).Fit(ml.Data.LoadFromEnumerable(graphs));
        float[][] gf = Features(gt.Transform(ml.Data.LoadFromEnumerable(graphs)));
        Assert.Equal(6, gf.Length);
        Assert.All(gf, f => Assert.Equal(50, f.Length));
        Assert.NotEqual(gf[0], gf[5]);
    }

    [Theory]
    [InlineData(SeriesFiltration.SublevelTime, SignedMeasureInvariant.Hilbert)]
    [InlineData(SeriesFiltration.DifferenceSublevelTime, SignedMeasureInvariant.Hilbert)]
    [InlineData(SeriesFiltration.SublevelTime, SignedMeasureInvariant.Euler)]
    [InlineData(SeriesFiltration.SublevelTime, SignedMeasureInvariant.Rank)]
    public void SeriesSublevelTime_MeasuresOfXAndMinusX_SurviveSaveAndLoad(SeriesFiltration filtration, SignedMeasureInvariant invariant)
    {
        var ml = new MLContext(seed: 1);
        var series = Enumerable.Range(0, 8).Select(r => new CloudRow { Points = [.. Enumerable.Range(0, 17 + r).Select(i => (float)Math.Sin(i * (0.2 + (0.1 * r))))] }).ToList();
        SignedMeasureOptions options = Options(inv: invariant) with { Input = new TimeSeriesInput(Filtration: filtration), GridResolution = 8, OutputResolution = 4 };
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(options).Fit(ml.Data.LoadFromEnumerable(series));

        // Two measures per row (x and −x), whatever MaxDegree; the time grid spans [0, 1].
        Assert.Equal(2, options.MeasureCount);
        Assert.Equal(0f, t.SecondGrid.Values[0]);
        Assert.Equal(1f, t.SecondGrid.Values[^1]);
        float[][] features = Features(t.Transform(ml.Data.LoadFromEnumerable(series)));
        Assert.All(features, f => Assert.Equal(options.OutputLength, f.Length));
        Assert.NotEqual(features[0], features[7]);
        if (invariant != SignedMeasureInvariant.Rank)
        {
            // The measures are those of the path-graph bifiltrations of x and −x (or of Δx) on the fitted grids.
            float[] x = series[3].Points;
            float[] f = filtration == SeriesFiltration.SublevelTime ? x : [.. x.Skip(1).Select((v, i) => v - x[i])];
            IReadOnlyList<SignedMeasure> measures = t.Measures(x);
            Assert.Equal(2, measures.Count);
            for (int sign = 0; sign < 2; sign++)
            {
                var b = GraphBifiltration.OfSeries([.. f.Select(v => sign == 0 ? v : -v)]);
                SignedMeasure expected = invariant == SignedMeasureInvariant.Hilbert ? b.HilbertSignedMeasures(t.FirstGrid, t.SecondGrid, zeroPad: true)[0] : b.EulerSignedMeasure(t.FirstGrid, t.SecondGrid);
                Assert.Equal(expected.Cumulative(), measures[sign].Cumulative());
            }
        }

        using var stream = new MemoryStream();
        t.Save(stream);
        stream.Position = 0;
        SignedMeasureTransformer loaded = SignedMeasureTransformer.Load(stream);
        Assert.Equal(options.Input, loaded.Options.Input);
        Assert.Equal(features[2], loaded.Featurize(series[2].Points));
    }

    [Fact]
    public void SeriesSublevelTime_IsRefusedByMma()
    {
        var options = new MmaOptions { OutputColumnName = "Features", Input = new TimeSeriesInput(Filtration: SeriesFiltration.SublevelTime) };
        ArgumentException e = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("SublevelTime", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Cycles of 5, 6, … nodes, each with a pendant path.</summary>
    private static List<GraphRow> Cycles(int count) => Enumerable.Range(0, count).Select(r =>
    {
        int n = 5 + r;
        var e = new List<float>();
        for (int i = 0; i < n; i++)
        {
            e.Add(i);
            e.Add((i + 1) % n);
        }

        e.Add(0);
        e.Add(n);
        return new GraphRow { Edges = [.. e], Nodes = n + 2 };
    }).ToList();

    private static SignedMeasureOptions GraphOptions() => new()
    {
        OutputColumnName = "Features",
        InputColumnName = "Edges",
        Input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree, 1f),
        GridResolution = 8,
        OutputResolution = 5,
    };

    [Theory]
    [InlineData(SignedMeasureVectorizer.Convolution)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein)]
    public void Workout_SchemasAgree(SignedMeasureVectorizer vectorizer)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(ml.Transforms.Topology.SignedMeasure(Options(vectorizer)), ml.Data.LoadFromEnumerable(Clouds(8, 3)));
        EstimatorWorkout.CheckSchemas(ml.Transforms.Topology.SignedMeasure(GraphOptions() with { Vectorizer = vectorizer }), ml.Data.LoadFromEnumerable(Cycles(4)));
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView scalar = ml.Data.LoadFromEnumerable(new[] { new ScalarPointsRow { Points = 1f } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.SignedMeasure(Options()), scalar, "Points");
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.SignedMeasure(Options()).Fit(ml.Data.LoadFromEnumerable(Clouds(4, 3))), scalar, "Points");
        IDataView missing = ml.Data.LoadFromEnumerable(new[] { new GraphRow { Edges = [0f, 1f], Nodes = 2 } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.SignedMeasure(Options()), missing, "Points");
        IDataView textNodes = ml.Data.LoadFromEnumerable(new[] { new TextNodesRow { Edges = [0f, 1f], Nodes = "2" } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.Topology.SignedMeasure(GraphOptions()), textNodes, "Nodes");
    }

    [Fact]
    public void Workout_OwnFormatRoundTripGivesIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(8, 3));
        using var dir = new TempDirectory();
        EstimatorWorkout.CheckRoundTrip(ml.Transforms.Topology.SignedMeasure(Options(SignedMeasureVectorizer.SlicedWasserstein)).Fit(data), data, t =>
        {
            string path = dir.File("topology.bin");
            t.Save(path);
            return SignedMeasureTransformer.Load(path);
        });
    }

    [Theory]
    [InlineData(SignedMeasureVectorizer.Convolution)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein)]
    public void Workout_RankInvariantRoundTripsAndSchemasAgree(SignedMeasureVectorizer vectorizer)
    {
        var ml = new MLContext(seed: 1);
        IDataView graphs = ml.Data.LoadFromEnumerable(Cycles(5));
        SignedMeasureOptions options = GraphOptions() with { Invariant = SignedMeasureInvariant.Rank, Vectorizer = vectorizer };
        EstimatorWorkout.CheckSchemas(ml.Transforms.Topology.SignedMeasure(options), graphs);
        using var dir = new TempDirectory();
        EstimatorWorkout.CheckRoundTrip(ml.Transforms.Topology.SignedMeasure(options).Fit(graphs), graphs, t =>
        {
            string path = dir.File("rank.bin");
            t.Save(path);
            return SignedMeasureTransformer.Load(path);
        });
        EstimatorWorkout.CheckMlNetConventions<GraphRow>(ml.Transforms.Topology.SignedMeasure(options).Fit(graphs), graphs);
    }

    [Fact]
    public void Fit_RefusesARankGridAboveTheBudgetBeforeFeaturising()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(4, 3));
        SignedMeasureOptions options = Options(inv: SignedMeasureInvariant.Rank) with { GridResolution = 60, Budget = ComplexBudget.Default with { MaxBytes = 64L << 20 } };
        PipelinesException e = Assert.Throws<PipelinesException>(() => ml.Transforms.Topology.SignedMeasure(options).Fit(data));
        Assert.Equal(ErrorKind.Resource, e.Kind);
        Assert.Contains("Rank invariant refused", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(SignedMeasureVectorizer.Convolution)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein)]
    [WorkoutCovers(typeof(SignedMeasureEstimator), typeof(SignedMeasureTransformer))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput(SignedMeasureVectorizer vectorizer)
    {
        var ml = new MLContext(seed: 1);
        IDataView clouds = ml.Data.LoadFromEnumerable(Clouds(6, 3));
        EstimatorWorkout.CheckMlNetConventions<CloudRow>(ml.Transforms.Topology.SignedMeasure(Options(vectorizer)).Fit(clouds), clouds);
        IDataView graphs = ml.Data.LoadFromEnumerable(Cycles(4));
        EstimatorWorkout.CheckMlNetConventions<GraphRow>(ml.Transforms.Topology.SignedMeasure(GraphOptions() with { Vectorizer = vectorizer }).Fit(graphs), graphs);
    }

    [Fact]
    public void Pipeline_WithATrainer_SavesLoadsAndScoresInPredictionEngine()
    {
        // The scenario: signed measure → an ML.NET trainer → saved zip → a fresh context, row by row.
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(12, 3));
        ITransformer model = ml.Transforms.Topology.SignedMeasure(Options())
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Label", featureColumnName: "Features", maximumNumberOfIterations: 5))
            .Fit(data);
        EstimatorWorkout.CheckMlNetConventions<CloudRow>(model, data, tolerance: 1e-5);
    }

    [Fact]
    public void Workout_KnownSizeSeries_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        var rows = Enumerable.Range(0, 6).Select(r => new SeriesRow { Series = [.. Enumerable.Range(0, 24).Select(i => MathF.Sin((0.3f + (0.1f * r)) * i))] }).ToList();
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var options = new SignedMeasureOptions { OutputColumnName = "Series", Input = new TimeSeriesInput(2, 1), GridResolution = 8, OutputResolution = 4 };
        EstimatorWorkout.CheckMlNetConventions<SeriesRow>(ml.Transforms.Topology.SignedMeasure(options).Fit(data), data);
    }

    [Fact]
    public void Transform_ComputesEachRowOnce_ShuffledPassesReadTheCache()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Clouds(10, 3));
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options()).Fit(data);
        var view = (TopologyDataView)t.Transform(data);
        float[][] first = Features(view);
        Assert.Equal(10, view.CachedRows);
        IDataView shuffled = ml.Data.ShuffleRows(view, seed: 5);
        Assert.Equal(first.Select(f => string.Join(",", f)).Order(), Features(shuffled).Select(f => string.Join(",", f)).Order());
        Assert.Equal(10, view.CachedRows);

        var uncached = (TopologyDataView)ml.Transforms.Topology.SignedMeasure(Options() with { FeatureCacheRows = 0 }).Fit(data).Transform(data);
        Assert.Equal(first, Features(uncached));
        Assert.Equal(0, uncached.CachedRows);

        var small = (TopologyDataView)ml.Transforms.Topology.SignedMeasure(Options() with { FeatureCacheRows = 4 }).Fit(data).Transform(data);
        Assert.Equal(first, Features(small));
        Assert.Equal(4, small.CachedRows);
        Assert.Equal(first.Select(f => string.Join(",", f)).Order(), Features(ml.Data.ShuffleRows(small, seed: 5)).Select(f => string.Join(",", f)).Order());
    }

    [Fact]
    public void Transform_ShuffledCursorFillsTheCacheInOnePass()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.Cache(ml.Data.LoadFromEnumerable(Clouds(10, 3)));
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options()).Fit(data);
        var view = (TopologyDataView)t.Transform(data);
        Assert.True(view.CanShuffle);
        var shuffled = new List<float[]>();
        using (DataViewRowCursor cursor = view.GetRowCursor([view.Schema["Features"]], new Random(7)))
        {
            ValueGetter<VBuffer<float>> get = cursor.GetGetter<VBuffer<float>>(view.Schema["Features"]);
            VBuffer<float> value = default;
            while (cursor.MoveNext())
            {
                get(ref value);
                shuffled.Add(value.DenseValues().ToArray());
                Assert.Equal(10, view.CachedRows);
            }
        }

        Assert.Equal(Features(t.Transform(data)).Select(f => string.Join(",", f)).Order(), shuffled.Select(f => string.Join(",", f)).Order());
    }

    private sealed class SeriesRow
    {
        [VectorType(24)]
        public float[] Series { get; set; } = [];
    }

    private sealed class ScalarPointsRow
    {
        public float Points { get; set; }
    }

    private sealed class TextNodesRow
    {
        [VectorType]
        public float[] Edges { get; set; } = [];

        public string Nodes { get; set; } = "";
    }

    [Theory]
    [InlineData(SignedMeasureInvariant.Hilbert, 2)]
    [InlineData(SignedMeasureInvariant.Euler, 1)]
    public void Measures_OnTheFittedGrids_AreWhatTheFeaturesConvolve(SignedMeasureInvariant inv, int count)
    {
        // The measures `topo vectorize --plot` draws are exactly the ones the convolution features are computed from.
        var ml = new MLContext(seed: 1);
        List<CloudRow> rows = Clouds(10, 5);
        SignedMeasureTransformer t = ml.Transforms.Topology.SignedMeasure(Options(inv: inv)).Fit(ml.Data.LoadFromEnumerable(rows));
        IReadOnlyList<SignedMeasure> measures = t.Measures(rows[0].Points);
        Assert.Equal(count, measures.Count);
        Assert.All(measures, m => Assert.Equal((t.FirstGrid.Count, t.SecondGrid.Count), (m.Rows, m.Columns)));
        Assert.Contains(measures, m => m.TotalVariation > 0);
        int per = t.Options.VectorLengthPerMeasure;
        var expected = new float[measures.Count * per];
        for (int m = 0; m < measures.Count; m++)
        {
            SignedMeasureConvolution.Compute(
                MeasureAtom.FromGrid(measures[m], t.FirstGrid, t.SecondGrid), MeasureBox.Of(t.FirstGrid, t.SecondGrid), t.Options.OutputResolution, t.Options.Bandwidth, expected.AsSpan(m * per, per));
        }

        Assert.Equal(expected, t.Featurize(rows[0].Points));
    }
}
