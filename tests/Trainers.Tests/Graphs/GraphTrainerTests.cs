using Pipelines.Numerics.Graphs;
using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Pipelines.Transforms.Graphs.Spe;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

public class GraphTrainerTests
{
    private static readonly GineOptions s_backbone = new(HiddenSize: 16, Layers: 2, Pooling: GraphPooling.Sum, HeadHiddenSize: 16);

    private static GraphEncoding Encoding(string name) => name switch
    {
        "lap" => new LapPeEncoding(8),
        "rwse" => new RwseEncoding(8),
        "spe" => new SpeEncoding(8, new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 8)),
        "spe-bn" => new SpeEncoding(8, new SpeOptions(EigenvalueFunctions: 4, RhoLayers: 2, RhoHiddenSize: 8, OutputSize: 8, Normalization: SpeNormalization.BatchNorm)),
        _ => new NoEncoding(),
    };

    private static (GraphModelDefinition Def, GraphSplit Train) Triangles(string encoding, int count)
    {
        var samples = CycleCountingDataset.Generate(count, seed: 3, minNodes: 6, maxNodes: 10);
        var graphs = samples.Select(s => s.WithTarget(3)).ToList();
        GraphEncoding enc = Encoding(encoding);
        var def = new GraphModelDefinition(new GraphSchema(1, 1, 0, 1), s_backbone, enc, GraphLoss.L1);
        return (def, new GraphSplit(graphs, PrecomputedEncoding.ComputeMany(graphs, enc)));
    }

    [Theory]
    [InlineData("none")]
    [InlineData("lap")]
    [InlineData("rwse")]
    [InlineData("spe")]
    [InlineData("spe-bn")]
    public void Train_LossDecreases(string encoding)
    {
        (GraphModelDefinition def, GraphSplit train) = Triangles(encoding, 48);
        var reports = new List<EpochReport>();
        GraphModel model = GraphTrainer.Train(def, train, null, new GraphTrainerOptions(Epochs: 12, BatchSize: 16, LearningRate: 3e-3f, WarmupSteps: 3), new SyncProgress(reports));
        Assert.Equal(12, reports.Count);
        Assert.True(reports[^1].TrainLoss < 0.8 * reports[0].TrainLoss, $"{encoding}: loss {reports[0].TrainLoss:F3} → {reports[^1].TrainLoss:F3}");
        Assert.True(model.ParameterCount > 0);
    }

    [Fact]
    public void SaveLoad_RoundTripsPredictions()
    {
        (GraphModelDefinition def, GraphSplit train) = Triangles("spe", 16);
        GraphModel model = GraphTrainer.Train(def, train, train, new GraphTrainerOptions(Epochs: 2, BatchSize: 8, WarmupSteps: 1));
        string path = Path.Combine(Path.GetTempPath(), $"graph-{Guid.NewGuid():N}.onnx");
        try
        {
            model.Save(path);
            GraphModel loaded = GraphModel.Load(path);
            Assert.Equal(def, loaded.Definition with { Encoding = def.Encoding });
            Assert.IsType<SpeEncoding>(loaded.Definition.Encoding);
            AssertSamePredictions(model, loaded, train);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData("spe")]
    [InlineData("spe-bn")]
    public void Predict_IsPermutationInvariantAndBatchInvariant(string encoding)
    {
        (GraphModelDefinition def, GraphSplit train) = Triangles(encoding, 12);
        GraphModel model = GraphTrainer.Train(def, train, null, new GraphTrainerOptions(Epochs: 1, BatchSize: 4, WarmupSteps: 1));
        using var predictor = new GraphPredictor(model);
        var rng = new Random(1);
        var permuted = train.Graphs.Select(g => g.Permute(RandomGraphs.Permutation(g.NodeCount, rng))).ToList();
        var permutedEnc = PrecomputedEncoding.ComputeMany(permuted, def.Encoding);
        float[][] all = predictor.Predict(train.Graphs, train.Encodings, batchSize: 12);
        float[][] perm = predictor.Predict(permuted, permutedEnc, batchSize: 5);
        for (int i = 0; i < all.Length; i++)
        {
            Assert.True(Math.Abs(all[i][0] - perm[i][0]) <= 1e-4 * Math.Max(1, Math.Abs(all[i][0])), $"graph {i}: {all[i][0]} vs {perm[i][0]}");
            float[] alone = predictor.Predict([train.Graphs[i]], [train.Encodings[i]])[0];
            Assert.True(Math.Abs(all[i][0] - alone[0]) <= 1e-5 * Math.Max(1, Math.Abs(alone[0])));
        }
    }

    [Theory]
    [InlineData(GraphBatching.Shuffled)]
    [InlineData(GraphBatching.SizeBucketed)]
    public void BatchOrder_CoversEveryGraphOnce_IsSeeded_AndChangesPerEpoch(GraphBatching batching)
    {
        var rng = new Random(5);
        int[] sizes = Enumerable.Range(0, 1000).Select(_ => rng.Next(3, 120)).ToArray();
        int[][] e1 = GraphBatchOrder.Epoch(sizes, 32, batching, seed: 7, epoch: 1);
        Assert.Equal(Enumerable.Range(0, 1000), e1.SelectMany(b => b).Order());
        Assert.Equal([.. Enumerable.Repeat(32, 31), 8], e1.Select(b => b.Length).OrderDescending()); // one short batch, anywhere
        Assert.Equal(e1, GraphBatchOrder.Epoch(sizes, 32, batching, seed: 7, epoch: 1));
        Assert.NotEqual(e1, GraphBatchOrder.Epoch(sizes, 32, batching, seed: 7, epoch: 2));
        Assert.NotEqual(e1, GraphBatchOrder.Epoch(sizes, 32, batching, seed: 8, epoch: 1));
    }

    [Fact]
    public void BatchOrder_SizeBucketed_PadsFarLessThanShuffled()
    {
        // The dense GINE/SPE tensors cost B·N_max² per batch: bucketing must cut that (here by more than 2×) and leave the
        // batch sequence random (not sorted by size).
        var rng = new Random(6);
        int[] sizes = Enumerable.Range(0, 2000).Select(_ => rng.Next(5, 111)).ToArray();
        double Padded(int[][] batches) => batches.Sum(b => (double)b.Length * Math.Pow(b.Max(i => sizes[i]), 2));
        int[][] bucketed = GraphBatchOrder.Epoch(sizes, 32, GraphBatching.SizeBucketed, 1, 1);
        double ratio = Padded(GraphBatchOrder.Epoch(sizes, 32, GraphBatching.Shuffled, 1, 1)) / Padded(bucketed);
        Assert.True(ratio > 2, $"padding ratio {ratio:F2}");
        int[] maxima = bucketed.Select(b => b.Max(i => sizes[i])).ToArray();
        Assert.NotEqual(maxima.Order(), maxima);
    }

    [Theory]
    [InlineData("rwse", GraphBatching.Shuffled)]
    [InlineData("spe", GraphBatching.SizeBucketed)]
    [InlineData("spe-bn", GraphBatching.Shuffled)]
    public void Checkpoint_InterruptedRun_ResumesToTheSameModel(string encoding, GraphBatching batching)
    {
        (GraphModelDefinition def, GraphSplit train) = Triangles(encoding, 24);
        GraphSplit valid = new(train.Graphs.Take(8).ToList(), train.Encodings.Take(8).ToList());
        string dir = Path.Combine(Path.GetTempPath(), $"graph-ckpt-{Guid.NewGuid():N}");
        try
        {
            var options = new GraphTrainerOptions(Epochs: 4, BatchSize: 8, LearningRate: 3e-3f, WarmupSteps: 2, Threads: 1, Batching: batching);
            GraphModel straight = GraphTrainer.Train(def, train, valid, options);

            using var cancel = new CancellationTokenSource();
            var seen = new List<EpochReport>();
            var stopAfterTwo = new CallbackProgress(r =>
            {
                seen.Add(r);
                if (r.Epoch == 2)
                {
                    cancel.Cancel();
                }
            });
            Assert.ThrowsAny<OperationCanceledException>(() => GraphTrainer.Train(def, train, valid, options with { CheckpointDirectory = dir }, stopAfterTwo, cancellationToken: cancel.Token));
            Assert.Equal(2, seen.Count);

            var replayed = new List<EpochReport>();
            GraphModel resumed = GraphTrainer.Train(def, train, valid, options with { CheckpointDirectory = dir }, new SyncProgress(replayed));
            Assert.Equal([1, 2, 3, 4], replayed.Select(r => r.Epoch));
            Assert.Equal(seen, replayed.Take(2));
            Assert.Single(Directory.GetFiles(dir, "best-*.bin"));
            AssertSamePredictions(straight, resumed, train);
            foreach (ParameterTensor t in straight.Spe?.Tensors ?? [])
            {
                Assert.Equal(t.Data, resumed.Spe!.Tensors.Single(r => r.Name == t.Name).Data); // BatchNorm running statistics included
            }

            var other = Assert.Throws<PipelinesException>(() => GraphTrainer.Train(def, train, valid, options with { CheckpointDirectory = dir, LearningRate = 1e-3f }));
            Assert.Equal(ErrorKind.Usage, other.Kind);
            Assert.Contains(RunCheckpoint.StateFile, other.Message, StringComparison.Ordinal);
            Assert.Contains("different training run", other.Message, StringComparison.Ordinal);

            // Same size, same options, other data (one target changed): refused too.
            var changed = train.Graphs.Select((g, i) => i == 3 ? g.WithTarget(g.Target + 1) : g).ToList();
            Assert.Throws<PipelinesException>(() => GraphTrainer.Train(def, new GraphSplit(changed, train.Encodings), valid, options with { CheckpointDirectory = dir }));
        }
        finally
        {
            if (Directory.Exists(dir))
            {
                Directory.Delete(dir, recursive: true);
            }
        }
    }

    // Bit-identical outputs of two models on a split.
    private static void AssertSamePredictions(GraphModel expected, GraphModel actual, GraphSplit split)
    {
        using var a = new GraphPredictor(expected);
        using var b = new GraphPredictor(actual);
        float[][] pa = a.Predict(split.Graphs, split.Encodings);
        float[][] pb = b.Predict(split.Graphs, split.Encodings);
        for (int i = 0; i < pa.Length; i++)
        {
            Assert.Equal(pa[i][0], pb[i][0]);
        }
    }

    private sealed class CallbackProgress(Action<EpochReport> onReport) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => onReport(value);
    }

    private sealed class SyncProgress(List<EpochReport> sink) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => sink.Add(value);
    }
}
