using Pipelines.Onnx;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

// The sparse (edge-list) and dense (padded) GINE layouts compute the same function of the same parameters.
public class SparseMessagePassingTests
{
    private static GraphEncoding Encoding(string name) => name switch
    {
        "lap" => new LapPeEncoding(8),
        "rwse" => new RwseEncoding(8),
        "spe" => new SpeEncoding(8, new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 8)),
        _ => new NoEncoding(),
    };

    private static GraphModelDefinition Define(GraphEncoding encoding, GraphMessagePassing layout, GraphPooling pooling = GraphPooling.Mean, int nodeTypes = 1, int edgeTypes = 1) =>
        new(new GraphSchema(nodeTypes, edgeTypes, 0, 1), new GineOptions(HiddenSize: 16, Layers: 2, Pooling: pooling, HeadHiddenSize: 16) { MessagePassing = layout }, encoding, GraphLoss.L1);

    private static GraphSplit Cycles(GraphEncoding encoding, int count, int seed = 3)
    {
        var graphs = CycleCountingDataset.Generate(count, seed, minNodes: 4, maxNodes: 12).Select(s => s.WithTarget(3)).ToList();
        return new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, encoding));
    }

    private static float[][] Predict(GraphModel model, GraphSplit split, int batchSize = 64)
    {
        using var predictor = new GraphPredictor(model);
        return predictor.Predict(split.Graphs, split.Encodings, batchSize);
    }

    private static void AssertClose(float[][] expected, float[][] actual, double tolerance)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            for (int c = 0; c < expected[i].Length; c++)
            {
                Assert.True(Math.Abs(expected[i][c] - actual[i][c]) <= tolerance * Math.Max(1, Math.Abs(expected[i][c])), $"graph {i}, output {c}: {expected[i][c]} vs {actual[i][c]}");
            }
        }
    }

    [Theory]
    [InlineData("none")]
    [InlineData("lap")]
    [InlineData("rwse")]
    [InlineData("spe")]
    public void Sparse_SameParameters_PredictsAsDense(string encoding)
    {
        GraphEncoding enc = Encoding(encoding);
        GraphSplit data = Cycles(enc, 24);
        GraphModel dense = GraphTrainer.Train(Define(enc, GraphMessagePassing.Dense), data, null, new GraphTrainerOptions(Epochs: 1, BatchSize: 8, WarmupSteps: 1, Threads: 1));
        var sparse = new GraphModel(Define(enc, GraphMessagePassing.Sparse), dense.Backbone, dense.Spe);
        AssertClose(Predict(dense, data), Predict(sparse, data, batchSize: 7), 1e-4);
    }

    [Theory]
    [InlineData("none", GraphPooling.Mean)]
    [InlineData("spe", GraphPooling.Sum)]
    public void Sparse_Training_FollowsDense(string encoding, GraphPooling pooling)
    {
        // Same seed, same batches: the gradients agree up to float rounding, so the trained models do too.
        GraphEncoding enc = Encoding(encoding);
        GraphSplit data = Cycles(enc, 32);
        var options = new GraphTrainerOptions(Epochs: 3, BatchSize: 8, LearningRate: 3e-3f, WarmupSteps: 2, Threads: 1);
        var denseReports = new List<EpochReport>();
        var sparseReports = new List<EpochReport>();
        GraphModel dense = GraphTrainer.Train(Define(enc, GraphMessagePassing.Dense, pooling), data, data, options, new SyncProgress(denseReports));
        GraphModel sparse = GraphTrainer.Train(Define(enc, GraphMessagePassing.Sparse, pooling), data, data, options, new SyncProgress(sparseReports));
        for (int e = 0; e < denseReports.Count; e++)
        {
            Assert.True(Math.Abs(denseReports[e].TrainLoss - sparseReports[e].TrainLoss) <= 1e-3 * Math.Max(1, denseReports[e].TrainLoss), $"epoch {e + 1}: {denseReports[e].TrainLoss} vs {sparseReports[e].TrainLoss}");
        }

        AssertClose(Predict(dense, data), Predict(sparse, data), 1e-3);
    }

    [Theory]
    [InlineData(SpeNormalization.None)]
    [InlineData(SpeNormalization.BatchNorm)]
    public void SpeBlocks_TrainAsSpePadded(SpeNormalization normalization)
    {
        // SPE's n×n part as per-graph blocks vs padded to B·N_max² (both with sparse GINE): same batches, same steps (no
        // validation set, so no best-epoch choice can tip between two nearly tied epochs).
        var enc = new SpeEncoding(8, new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 8, Normalization: normalization));
        GraphSplit data = Cycles(enc, 24);
        var options = new GraphTrainerOptions(Epochs: 2, BatchSize: 8, LearningRate: 3e-3f, WarmupSteps: 2, Threads: 1);
        GraphModelDefinition Layout(SpeBatchLayout layout) => Define(enc, GraphMessagePassing.Sparse) with { Backbone = Define(enc, GraphMessagePassing.Sparse).Backbone with { SpeLayout = layout } };
        var blockReports = new List<EpochReport>();
        var paddedReports = new List<EpochReport>();
        GraphModel blocks = GraphTrainer.Train(Layout(SpeBatchLayout.Blocks), data, null, options, new SyncProgress(blockReports));
        GraphModel padded = GraphTrainer.Train(Layout(SpeBatchLayout.Padded), data, null, options, new SyncProgress(paddedReports));
        for (int e = 0; e < blockReports.Count; e++)
        {
            Assert.True(Math.Abs(blockReports[e].TrainLoss - paddedReports[e].TrainLoss) <= 1e-4 * Math.Max(1, paddedReports[e].TrainLoss), $"epoch {e + 1}: {blockReports[e].TrainLoss} vs {paddedReports[e].TrainLoss}");
        }

        var paddedScoring = new GraphModel(Layout(SpeBatchLayout.Padded), blocks.Backbone, blocks.Spe);
        AssertClose(Predict(paddedScoring, data), Predict(blocks, data, batchSize: 7), 1e-4);
        if (normalization == SpeNormalization.None)
        {
            // With BatchNorm the bias before each BN has an analytically zero gradient, so Adam turns its rounding noise
            // (different in the two layouts) into full-size steps that the running mean tracks only with lag: the eval
            // outputs of the two trained models then differ by a few percent although every step's loss agrees.
            AssertClose(Predict(padded, data), Predict(blocks, data, batchSize: 5), 1e-3);
        }
    }

    [Fact]
    public void SpeBlocks_PredictAsPadded_OnRealMolecules()
    {
        // NCI109's first 96 molecules (up to 111 nodes, salts with several components) when ../shared/data is present.
        string? folder = null;
        for (string? dir = AppContext.BaseDirectory; dir is not null && folder is null; dir = Path.GetDirectoryName(dir))
        {
            string c = Path.Combine(dir, "shared", "data", "graphs", "tu", "NCI109");
            folder = Directory.Exists(c) ? c : null;
        }

        if (folder is null)
        {
            return;
        }

        TuDataset ds = TuDatasetReader.Read(folder);
        var graphs = ds.Graphs.Take(96).ToList();
        var enc = new SpeEncoding(16, SpeOptions.Compact(16, 1));
        var split = new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, enc));
        GraphModelDefinition Layout(SpeBatchLayout layout) => new(new GraphSchema(ds.NodeTypeCount, Math.Max(1, ds.EdgeTypeCount), 0, ds.ClassLabels.Count), new GineOptions(HiddenSize: 16, Layers: 2, HeadHiddenSize: 16) { SpeLayout = layout }, enc, GraphLoss.CrossEntropy);
        GraphModel padded = GraphTrainer.Train(Layout(SpeBatchLayout.Padded), split, null, new GraphTrainerOptions(Epochs: 1, BatchSize: 32, WarmupSteps: 1, Threads: 1));
        var blocks = new GraphModel(Layout(SpeBatchLayout.Blocks), padded.Backbone, padded.Spe);
        float[][] Scores(GraphModel m, int threads)
        {
            using var predictor = new GraphPredictor(m, new Pipelines.Onnx.Runtime.SessionSettings { IntraOpThreads = threads });
            return predictor.Predict(split.Graphs, split.Encodings, 32);
        }

        AssertClose(Scores(padded, 1), Scores(blocks, 1), 1e-4);
        AssertClose(Scores(padded, 1), Scores(blocks, 2), 1e-4);
    }

    [Fact]
    public void GineBatchNorm_SparseTrainsAsDense_AndCarriesRunningStatistics()
    {
        // BatchNorm in the GINE layers: statistics over the real nodes only, so the padded dense layout and the stacked
        // sparse one see the same statistics. One step on one batch: the same loss at the same (initial) parameters. (Later
        // steps drift apart: the biases right before BatchNorm have an analytically zero gradient whose rounding noise
        // differs between layouts and which Adam turns into full-size steps.) The running statistics move off (0, 1).
        GraphEncoding enc = Encoding("rwse");
        GraphSplit data = Cycles(enc, 24);
        var options = new GraphTrainerOptions(Epochs: 1, BatchSize: 24, LearningRate: 3e-3f, WarmupSteps: 1, Threads: 1);
        GraphModelDefinition Bn(GraphMessagePassing layout) => Define(enc, layout) with { Backbone = Define(enc, layout).Backbone with { Normalization = SpeNormalization.BatchNorm } };
        var denseReports = new List<EpochReport>();
        var sparseReports = new List<EpochReport>();
        GraphModel dense = GraphTrainer.Train(Bn(GraphMessagePassing.Dense), data, null, options, new SyncProgress(denseReports));
        GraphModel sparse = GraphTrainer.Train(Bn(GraphMessagePassing.Sparse), data, null, options, new SyncProgress(sparseReports));
        Assert.True(Math.Abs(denseReports[0].TrainLoss - sparseReports[0].TrainLoss) <= 1e-5 * Math.Max(1, denseReports[0].TrainLoss), $"{denseReports[0].TrainLoss} vs {sparseReports[0].TrainLoss}");
        Assert.Contains(sparse.Backbone.Tensors, t => t.Name == "gine.1.bn1.running_var" && t.Data.Any(v => Math.Abs(v - 1) > 1e-3));
        var sparseScoring = new GraphModel(Bn(GraphMessagePassing.Sparse), dense.Backbone, dense.Spe);
        AssertClose(Predict(dense, data), Predict(sparseScoring, data, batchSize: 7), 1e-4);
        Assert.DoesNotContain("Normalization", System.Text.Json.JsonSerializer.Serialize(Define(enc, GraphMessagePassing.Sparse).Backbone, GraphModel.s_json), StringComparison.Ordinal);
    }

    [Fact]
    public void Sparse_EdgeCases_PredictAsDense()
    {
        // Parallel edges of two types (multi-hot), a repeated edge, a self-loop, an isolated node, a one-node graph, and
        // a batch of edge-less graphs (E = 0).
        Graph[] graphs =
        [
            new(4, [0, 0, 1, 2, 2, 3], [1, 1, 2, 2, 3, 2], nodeTypes: [0, 1, 2, 0], edgeTypes: [0, 1, 0, 1, 1, 1], target: 1),
            new(5, [0, 1], [1, 2], nodeTypes: [2, 2, 1, 0, 1], edgeTypes: [1, 0], target: 2),
            new(1, [], [], nodeTypes: [1], edgeTypes: [], target: 0),
        ];
        var enc = new NoEncoding();
        var split = new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, enc));
        foreach (GraphPooling pooling in new[] { GraphPooling.Mean, GraphPooling.Sum })
        {
            GraphModelDefinition def = Define(enc, GraphMessagePassing.Dense, pooling, nodeTypes: 3, edgeTypes: 2);
            GraphModel dense = GraphTrainer.Train(def, split, null, new GraphTrainerOptions(Epochs: 1, BatchSize: 3, WarmupSteps: 1, Threads: 1));
            var sparse = new GraphModel(Define(enc, GraphMessagePassing.Sparse, pooling, 3, 2), dense.Backbone, dense.Spe);
            AssertClose(Predict(dense, split), Predict(sparse, split), 1e-5);
            var edgeless = new GraphSplit([graphs[2], graphs[2]], [split.Encodings[2], split.Encodings[2]]);
            AssertClose(Predict(dense, edgeless), Predict(sparse, edgeless), 1e-5);
        }
    }

    [Fact]
    public void Load_FileWithoutLayout_ReadsAsSparse_AndScoresAsTheDenseModel()
    {
        // A model file written before the layout option has no "MessagePassing" in its definition JSON.
        GraphEncoding enc = Encoding("rwse");
        GraphSplit data = Cycles(enc, 12);
        GraphModel dense = GraphTrainer.Train(Define(enc, GraphMessagePassing.Dense), data, null, new GraphTrainerOptions(Epochs: 1, BatchSize: 4, WarmupSteps: 1, Threads: 1));
        OnnxModel onnx = dense.ToOnnx();
        string json = onnx.Metadata.First(kv => kv.Key == GraphModel.DefinitionKey).Value;
        string old = json.Replace(",\"MessagePassing\":\"Dense\"", "", StringComparison.Ordinal);
        Assert.NotEqual(json, old);
        onnx.SetMetadata(GraphModel.DefinitionKey, old);
        string path = Path.Combine(Path.GetTempPath(), $"graph-old-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxModelIO.Save(onnx, path);
            GraphModel loaded = GraphModel.Load(path);
            Assert.Equal(GraphMessagePassing.Sparse, loaded.Definition.Backbone.MessagePassing);
            AssertClose(Predict(dense, data), Predict(loaded, data), 1e-4);

            dense.Save(path); // a file written with the field keeps its layout
            Assert.Equal(GraphMessagePassing.Dense, GraphModel.Load(path).Definition.Backbone.MessagePassing);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private sealed class SyncProgress(List<EpochReport> sink) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => sink.Add(value);
    }
}
