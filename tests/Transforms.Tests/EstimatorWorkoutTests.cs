using Microsoft.ML;
using Microsoft.ML.Data;
using Pipelines.Numerics.Topology;
using Pipelines.Testing;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.MLNet;
using Pipelines.Transforms.LowRank;
using Pipelines.Transforms.Tests.LowRank;
using Pipelines.Transforms.Topology;
using Xunit;

namespace Pipelines.Transforms.Tests;

/// <summary>
/// <see cref="EstimatorWorkout"/> on every estimator of Pipelines.Transforms: <c>InitializeAdapters</c> (LowRank),
/// <c>SignedMeasure</c> (Topology) and <c>GraphEncoding</c> (Graphs).
/// </summary>
public sealed class EstimatorWorkoutTests
{
    private const string SignedMeasureHint = "SignedMeasureTransformer.Save";
    private const string GraphEncodingHint = "GraphEncodingOnnx";

    private const string PartialFileSkip =
        "ML.NET's ModelOperationsCatalog.Save(model, schema, filePath) opens the file with File.Create before it asks the transformer to save, so a refusal leaves a partial zip (193 bytes); not fixable in Pipelines. Save to a stream, or through the transformer's own atomic Save.";

    // ---- LowRank: InitializeAdapters (ONNX-backed, saves through mlContext.Model.Save) ----

    private static IDataView LowRankData(MLContext ml)
    {
        float[] x = TinyModel.Input(6);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, 6).Select(i => new TinyRow { X = x.AsSpan(i * TinyModel.In, TinyModel.In).ToArray() }));
    }

    private static LowRankAdapterEstimator LowRank(MLContext ml, LowRankMethod method = LowRankMethod.PissaFast) =>
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
    public void LowRank_SchemasAgree(LowRankMethod method)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(LowRank(ml, method), LowRankData(ml));
    }

    [Fact]
    public void LowRank_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView invalid = ml.Data.LoadFromEnumerable(new[] { new WrongRow { Z = new float[TinyModel.In] } });
        EstimatorWorkout.CheckInvalidInput(LowRank(ml), invalid, "X");
        EstimatorWorkout.CheckInvalidInput(LowRank(ml).Fit(LowRankData(ml)), invalid, "X");
    }

    [Fact]
    public void LowRank_ModelSaveLoadGivesIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = LowRankData(ml);
        EstimatorWorkout.CheckModelSaveLoad(LowRank(ml).Fit(data), data);
    }

    // ---- Topology: SignedMeasure (own versioned format; refuses mlContext.Model.Save) ----

    private static IDataView Clouds(MLContext ml, int count = 8)
    {
        var rng = new Random(3);
        return ml.Data.LoadFromEnumerable(Enumerable.Range(0, count).Select(r =>
        {
            int n = 12 + rng.Next(8);
            float[] p = [.. Enumerable.Range(0, 2 * n).Select(_ => (float)rng.NextDouble())];
            return new CloudRow { Points = p, Label = r % 2 };
        }).ToList());
    }

    private static SignedMeasureEstimator SignedMeasure(MLContext ml, SignedMeasureVectorizer vectorizer = SignedMeasureVectorizer.Convolution) =>
        ml.Transforms.Topology.SignedMeasure(new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Points",
            Input = new PointCloudInput(2),
            CodensityParameter = 0.3f,
            GridResolution = 8,
            OutputResolution = 4,
            Directions = 3,
            Bins = 4,
            Vectorizer = vectorizer,
        });

    [Theory]
    [InlineData(SignedMeasureVectorizer.Convolution)]
    [InlineData(SignedMeasureVectorizer.SlicedWasserstein)]
    public void SignedMeasure_SchemasAgree(SignedMeasureVectorizer vectorizer)
    {
        var ml = new MLContext(seed: 1);
        EstimatorWorkout.CheckSchemas(SignedMeasure(ml, vectorizer), Clouds(ml));
    }

    private static SignedMeasureEstimator SignedMeasureOfGraphs(MLContext ml) =>
        ml.Transforms.Topology.SignedMeasure(new SignedMeasureOptions
        {
            OutputColumnName = "Features",
            InputColumnName = "Edges",
            Input = new GraphInput("Nodes", GraphVertexFunctionKind.HeatKernelSignature, GraphVertexFunctionKind.Degree, 1f),
            GridResolution = 6,
            OutputResolution = 4,
        });

    [Fact]
    public void SignedMeasure_GraphInput_SchemasAgree()
    {
        var ml = new MLContext(seed: 1);
        IDataView graphs = ml.Data.LoadFromEnumerable(Enumerable.Range(0, 4).Select(r => new EdgeRow
        {
            Edges = [.. Enumerable.Range(0, 5 + r).SelectMany(i => new float[] { i, (i + 1) % (5 + r) })],
            Nodes = 5 + r,
        }).ToList());
        EstimatorWorkout.CheckSchemas(SignedMeasureOfGraphs(ml), graphs);
    }

    [Fact]
    public void SignedMeasure_GraphInput_MistypedNodeCountFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView invalid = ml.Data.LoadFromEnumerable(new[] { new TextNodesRow { Edges = [0f, 1f], Nodes = "2" } });
        EstimatorWorkout.CheckInvalidInput(SignedMeasureOfGraphs(ml), invalid, "Nodes");
    }

    [Fact]
    public void SignedMeasure_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView invalid = ml.Data.LoadFromEnumerable(new[] { new ScalarPointsRow { Points = 1f } });
        EstimatorWorkout.CheckInvalidInput(SignedMeasure(ml), invalid, "Points");
        EstimatorWorkout.CheckInvalidInput(SignedMeasure(ml).Fit(Clouds(ml)), invalid, "Points");
        IDataView missing = ml.Data.LoadFromEnumerable(new[] { new WrongRow { Z = [1f, 2f] } });
        EstimatorWorkout.CheckInvalidInput(SignedMeasure(ml), missing, "Points");
    }

    [Fact]
    public void SignedMeasure_OwnFormatRoundTripGivesIdenticalOutput()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Clouds(ml);
        using var dir = new TempDirectory();
        EstimatorWorkout.CheckRoundTrip(SignedMeasure(ml, SignedMeasureVectorizer.SlicedWasserstein).Fit(data), data, t =>
        {
            string path = dir.File("topology.bin");
            t.Save(path);
            return SignedMeasureTransformer.Load(path);
        });
    }

    [Fact]
    public void SignedMeasure_ModelSaveIsRefusedWithAHint()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Clouds(ml);
        EstimatorWorkout.CheckModelSaveRefused(SignedMeasure(ml).Fit(data), data, SignedMeasureHint);
    }

    [Fact(Skip = PartialFileSkip)]
    public void SignedMeasure_RefusedModelSaveLeavesNoFile()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Clouds(ml);
        EstimatorWorkout.CheckFailedSaveLeavesNoFile(SignedMeasure(ml).Fit(data), data);
    }

    // ---- Graphs: GraphEncoding (stateless for LapPE/RWSE; refuses mlContext.Model.Save) ----

    private static IDataView Graphs(MLContext ml)
    {
        GraphDataViewType.Register();
        return ml.Data.LoadFromEnumerable(CycleCountingDataset.Generate(6, seed: 4, minNodes: 5, maxNodes: 9)
            .Select(s => new GraphRow { Graph = s.Graph, Label = s.Counts[0] }));
    }

    private static GraphEncoding Encoding(string name) => name == "lap" ? new LapPeEncoding(4) : new RwseEncoding(5);

    [Theory]
    [InlineData("lap", GraphEncodingReadout.Mean)]
    [InlineData("lap", GraphEncodingReadout.Nodes)]
    [InlineData("rwse", GraphEncodingReadout.Sum)]
    public void GraphEncoding_SchemasAgree(string encoding, GraphEncodingReadout readout)
    {
        var ml = new MLContext(seed: 1);
        using GraphEncodingTransformer fitted = EstimatorWorkout.CheckSchemas(ml.Transforms.GraphEncoding(new GraphEncodingOptions("Graph", "Pe", Encoding(encoding), readout)), Graphs(ml));
    }

    [Fact]
    public void GraphEncoding_InvalidInputFailsNamingTheColumn()
    {
        var ml = new MLContext(seed: 1);
        IDataView invalid = ml.Data.LoadFromEnumerable(new[] { new ScalarGraphRow { Graph = 1f } });
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)), invalid, "Graph");
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)).Fit(Graphs(ml));
        EstimatorWorkout.CheckInvalidInput(fitted, invalid, "Graph");
        EstimatorWorkout.CheckInvalidInput(ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)), ml.Data.LoadFromEnumerable(new[] { new WrongRow { Z = [1f] } }), "Graph");
    }

    [Fact]
    public void GraphEncoding_OptionsRoundTripInAFreshContextGivesIdenticalOutput()
    {
        // LapPE/RWSE carry no fitted state: the options are the whole model. (SPE round-trips through GraphModel.Save/Load:
        // Trainers.Tests' EstimatorWorkoutTests.)
        var ml = new MLContext(seed: 1);
        IDataView data = Graphs(ml);
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new RwseEncoding(5)).Fit(data);
        EstimatorWorkout.CheckRoundTrip(fitted, data, t => new MLContext(seed: 2).Transforms.GraphEncoding(t.Options).Fit(data));
    }

    [Fact]
    public void GraphEncoding_ModelSaveIsRefusedWithAHint()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Graphs(ml);
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)).Fit(data);
        EstimatorWorkout.CheckModelSaveRefused(fitted, data, GraphEncodingHint);
    }

    [Fact(Skip = PartialFileSkip)]
    public void GraphEncoding_RefusedModelSaveLeavesNoFile()
    {
        var ml = new MLContext(seed: 1);
        IDataView data = Graphs(ml);
        using GraphEncodingTransformer fitted = ml.Transforms.GraphEncoding("Pe", "Graph", new LapPeEncoding(4)).Fit(data);
        EstimatorWorkout.CheckFailedSaveLeavesNoFile(fitted, data);
    }

    private sealed class TinyRow
    {
        [VectorType(TinyModel.In)]
        public float[] X { get; set; } = [];
    }

    private sealed class WrongRow
    {
        [VectorType]
        public float[] Z { get; set; } = [];
    }

    private sealed class CloudRow
    {
        [VectorType]
        public float[] Points { get; set; } = [];

        public float Label { get; set; }
    }

    private sealed class ScalarPointsRow
    {
        public float Points { get; set; }
    }

    private sealed class EdgeRow
    {
        [VectorType]
        public float[] Edges { get; set; } = [];

        public int Nodes { get; set; }
    }

    private sealed class TextNodesRow
    {
        [VectorType]
        public float[] Edges { get; set; } = [];

        public string Nodes { get; set; } = "";
    }

    private sealed class GraphRow
    {
        public Graph Graph { get; set; } = null!;

        public float Label { get; set; }
    }

    private sealed class ScalarGraphRow
    {
        public float Graph { get; set; }
    }
}
