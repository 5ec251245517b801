using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Graphs;
using Pipelines.Testing;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public class GraphEncodingEstimatorTests
{
    private sealed class Row
    {
        public Graph Graph { get; set; } = null!;

        public float Label { get; set; }
    }

    private static List<Row> Rows(int count)
    {
        GraphDataViewType.Register();
        return CycleCountingDataset.Generate(count, seed: 4, minNodes: 6, maxNodes: 12)
            .Select(s => new Row { Graph = s.Graph, Label = s.Counts[0] }).ToList();
    }

    [Fact]
    public void Rwse_FeedsAnMlNetTrainer()
    {
        var ml = new MLContext(seed: 1);
        GraphDataViewType.Register();
        IDataView data = ml.Data.LoadFromEnumerable(Rows(120));
        Assert.IsType<GraphDataViewType>(data.Schema["Graph"].Type);
        var pipeline = ml.Transforms.GraphEncoding("Features", "Graph", new RwseEncoding(8))
            .Append(ml.Regression.Trainers.Sdca(labelColumnName: "Label", featureColumnName: "Features", maximumNumberOfIterations: 20));
        SchemaShape shape = pipeline.GetOutputSchema(EstimatorWorkout.Shape(data.Schema));
        Assert.Contains(shape, c => c.Name == "Score");
        var model = pipeline.Fit(data);
        IDataView scored = model.Transform(data);
        float[] scores = scored.GetColumn<float>("Score").ToArray();
        Assert.Equal(120, scores.Length);
        Assert.All(scores, s => Assert.True(float.IsFinite(s)));
    }

    [Fact]
    public void Transform_MatchesDirectComputation_ForEachEncoding()
    {
        var ml = new MLContext(seed: 1);
        List<Row> rows = Rows(10);
        IDataView data = ml.Data.LoadFromEnumerable(rows);
        var spe = SpeParameters.Initialize(new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 6));
        foreach (GraphEncoding enc in new GraphEncoding[] { new LapPeEncoding(5), new RwseEncoding(5), new SpeEncoding(12, spe.Options) })
        {
            var options = new GraphEncodingOptions("Graph", "Pe", enc, GraphEncodingReadout.Nodes, enc is SpeEncoding ? spe : null);
            using GraphEncodingTransformer t = ml.Transforms.GraphEncoding(options).Fit(data);
            IDataView transformed = t.Transform(data);
            var got = new List<float[]>();
            using (DataViewRowCursor cursor = transformed.GetRowCursor([transformed.Schema["Pe"]]))
            {
                ValueGetter<VBuffer<float>> getter = cursor.GetGetter<VBuffer<float>>(transformed.Schema["Pe"]);
                VBuffer<float> buffer = default;
                while (cursor.MoveNext())
                {
                    getter(ref buffer);
                    got.Add(buffer.DenseValues().ToArray());
                }
            }

            for (int r = 0; r < rows.Count; r++)
            {
                float[] expected = enc is SpeEncoding
                    ? new SpeEncoder(spe).Encode([rows[r].Graph.ToStructure()], [LaplacianSpectrum.Compute(rows[r].Graph.ToStructure(), new SpectrumOptions(K: 12))], 12)[0].Select(x => (float)x).ToArray()
                    : PrecomputedEncoding.Compute(rows[r].Graph.ToStructure(), enc).Fixed!;
                Assert.Equal(rows[r].Graph.NodeCount * enc.Width, got[r].Length);
                float[] actual = got[r];
                Assert.True(expected.Zip(actual, (a, b) => Math.Abs(a - b)).Max() < 1e-5, $"{enc.Name} row {r}");
            }
        }
    }

    [Fact]
    public void Fit_RejectsWrongColumns()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(3));
        var est = ml.Transforms.GraphEncoding("Pe", "Label", new LapPeEncoding(4));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => est.Fit(data));
        Assert.Contains("expected Graph", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => ml.Transforms.GraphEncoding("Pe", "Missing", new LapPeEncoding(4)).Fit(data));
        Assert.Throws<ArgumentException>(() => ml.Transforms.GraphEncoding("Pe", "Graph", new SpeEncoding(4)));
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("lap", GraphEncodingReadout.Nodes)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    public void Workout_SchemasAgree(string encoding, GraphEncodingReadout readout)
    {
        var ml = new MLContext(seed: 1);
        GraphEncoding e = encoding == "lap" ? new LapPeEncoding(4) : new RwseEncoding(5);
        using GraphEncodingTransformer fitted = EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncoding(new GraphEncodingOptions("Graph", "Pe", e, readout)), ml.Data.LoadFromEnumerable(Rows(6)));
    }

    [Fact]
    public void Workout_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView scalar = ml.Data.LoadFromEnumerable(new[] { new ScalarGraphRow { Graph = 1f } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)), scalar, "Graph");
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)).Fit(ml.Data.LoadFromEnumerable(Rows(3)));
        EstimatorWorkout.CheckInvalidInput(fitted, scalar, "Graph");
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncoding("Pe", "Missing", new LapPeEncoding(4)), ml.Data.LoadFromEnumerable(Rows(3)), "Missing");
    }

    [Fact]
    public void Workout_OptionsRoundTripInAFreshContextGivesIdenticalOutput()
    {
        // LapPE/RWSE carry no fitted state: the options are the whole model. SPE's φ/ρ persist through GraphModel.Save/Load
        // (Trainers.Tests: GraphEncodingOnnxEstimatorTests.Workout_ManagedSpe_GraphModelRoundTripGivesIdenticalOutput).
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(6));
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new RwseEncoding(5)).Fit(data);
        EstimatorWorkout.CheckRoundTrip(fitted, data, t => new MLContext(seed: 2).Transforms.GraphEncoding(t.Options).Fit(data));
    }

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    [InlineData("spe", GraphEncodingReadout.Nodes)]
    [InlineData("spe", GraphEncodingReadout.Mean)]
    [WorkoutCovers(typeof(GraphEncodingEstimator), typeof(GraphEncodingTransformer))]
    public void Workout_ModelSaveLoadAndPredictionEngineGiveIdenticalOutput(string kind, GraphEncodingReadout readout)
    {
        var ml = new MLContext(seed: 1);
        IDataView data = ml.Data.LoadFromEnumerable(Rows(5));
        var spe = SpeParameters.Initialize(new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 6, Seed: 3));
        GraphEncoding encoding = kind switch
        {
            "lap" => new LapPeEncoding(4),
            "rwse" => new RwseEncoding(5),
            _ => new SpeEncoding(12, spe.Options),
        };
        var options = new GraphEncodingOptions("Graph", "Pe", encoding, readout, kind == "spe" ? spe : null);
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding(options).Fit(data);
        EstimatorWorkout.CheckMlNetConventions<Row>(fitted, data);
    }

    private sealed class ScalarGraphRow
    {
        public float Graph { get; set; }
    }
}
