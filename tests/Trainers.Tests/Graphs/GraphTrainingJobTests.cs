using Pipelines.Trainers.Graphs;
using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Xunit;

namespace Pipelines.Trainers.Tests.Graphs;

public sealed class GraphTrainingJobTests
{
    private static GraphDataset Cycles(int count)
    {
        var samples = CycleCountingDataset.Generate(count, seed: 5, minNodes: 6, maxNodes: 9);
        return new GraphDataset("cycles", [.. samples.Select(s => s.WithTarget(3))], NodeTypeCount: 1, EdgeTypeCount: 1, ClassCount: 0, NodeTypeKeys: null);
    }

    [Fact]
    public void Prepare_CutsTheSeededSplitWithOneEncodingPerGraph()
    {
        GraphDataset data = Cycles(40);
        GraphDatasetSplit split = data.Split(0.2, seed: 2);
        GraphTrainingJob job = GraphTrainingJob.Prepare(data, split, new LapPeEncoding(4));
        Assert.Equal(split.Train.Select(i => data.Graphs[i]), job.Train.Graphs);
        Assert.Equal(split.Valid.Select(i => data.Graphs[i]), job.Valid.Graphs);
        Assert.Equal(split.Test.Select(i => data.Graphs[i]), job.Test.Graphs);
        Assert.Equal(job.Train.Graphs.Count, job.Train.Encodings.Count);
        Assert.All(job.Test.Encodings, e => Assert.NotNull(e.Fixed));
        Assert.Equal("MAE", job.MetricName);
        GraphModelDefinition def = job.Define(new GineOptions());
        Assert.Equal((GraphLoss.L1, 1, 1, 1), (def.Loss, def.Schema.NodeTypeCount, def.Schema.EdgeTypeCount, def.Schema.OutputCount));
    }

    [Fact]
    public void Run_TrainsAndReportsTheBestEpochOfItsReports()
    {
        GraphDataset data = Cycles(40);
        GraphTrainingJob job = GraphTrainingJob.Prepare(data, data.Split(0.2, seed: 2), new NoEncoding());
        var reports = new List<EpochReport>();
        GraphTrainingResult result = job.Run(new GineOptions(8, 1, GraphPooling.Sum, 8), new GraphTrainerOptions(Epochs: 3, BatchSize: 8, WarmupSteps: 1), new Collect(reports));
        Assert.Equal(3, reports.Count);
        Assert.Equal(reports.Last(r => r.IsBest).Epoch, result.BestEpoch);
        Assert.Equal(reports.Single(r => r.Epoch == result.BestEpoch).ValidMetric, result.ValidMetric, 5);
        Assert.True(double.IsFinite(result.TestMetric));
    }

    [Fact]
    public void Protocol_FoldsTimesSeeds_DeterministicBySeed_MeanAndStdOfTheRuns()
    {
        GraphDataset data = Cycles(30);
        var protocol = new GraphProtocolOptions(Folds: 3, Seeds: [4, 9]);
        var options = new GraphTrainerOptions(Epochs: 2, BatchSize: 8, WarmupSteps: 1);
        GraphProtocolResult Run(GraphProtocolOptions p) => GraphProtocol.Run(
            data, p, seed => GraphEncoding.Create(GraphEncodingKind.Spe, 4, seed), seed => new GineOptions(8, 1, GraphPooling.Sum, 8, seed), options);

        GraphProtocolResult a = Run(protocol);
        GraphProtocolResult b = Run(protocol);
        Assert.Equal([(4, 0), (4, 1), (4, 2), (9, 0), (9, 1), (9, 2)], a.Runs.Select(r => (r.Seed, r.Fold)));
        Assert.Equal(a.Runs.Select(r => (r.ValidMetric, r.TestMetric, r.BestEpoch)), b.Runs.Select(r => (r.ValidMetric, r.TestMetric, r.BestEpoch)));
        Assert.Equal(a.Runs.Average(r => r.TestMetric), a.TestMean, 12);
        double mean = a.TestMean;
        Assert.Equal(Math.Sqrt(a.Runs.Sum(r => (r.TestMetric - mean) * (r.TestMetric - mean)) / a.Runs.Count), a.TestStd, 12);
        Assert.Equal(a.Runs.Min(r => r.ValidMetric), a.BestRun.ValidMetric); // regression: lower MAE is better
        Assert.Equal(a.BestRun.ValidMetric, a.Best.ValidMetric, 12);

        // The seed reaches the split and the initialisation: another seed gives other runs.
        GraphProtocolResult c = Run(protocol with { Seeds = [5] });
        Assert.NotEqual(a.Runs[0].TestMetric, c.Runs[0].TestMetric);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(0)]
    public void Protocol_TwoOrFewerThanOneFoldsAreRefused(int folds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => new GraphProtocolOptions(folds).Validate());

    [Fact]
    public void Defaults_AreTheOnesTheCliAndGraphBenchTrainWith()
    {
        var options = new GraphTrainerOptions();
        Assert.Equal((50, 32, 1e-3f, 20, 1), (options.Epochs, options.BatchSize, options.LearningRate, options.WarmupSteps, options.Seed));
        Assert.Equal((64, 4), (new GineOptions().HiddenSize, new GineOptions().Layers));
    }

    private sealed class Collect(List<EpochReport> reports) : IProgress<EpochReport>
    {
        public void Report(EpochReport value) => reports.Add(value);
    }
}
