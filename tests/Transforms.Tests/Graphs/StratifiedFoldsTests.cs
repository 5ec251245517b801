using Pipelines.Transforms.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public sealed class StratifiedFoldsTests
{
    private static GraphDataset Labelled(int count, int classes, int seed)
    {
        var rng = new Random(seed);
        var graphs = new List<Graph>();
        for (int g = 0; g < count; g++)
        {
            // Unbalanced classes: class c has weight c + 1.
            int c = Math.Min(classes - 1, (int)Math.Floor(Math.Sqrt(rng.NextDouble() * classes * classes)));
            graphs.Add(new Graph(2, [0], [1], target: c, id: $"g{g}"));
        }

        return new GraphDataset("labelled", graphs, NodeTypeCount: 1, EdgeTypeCount: 1, ClassCount: classes, NodeTypeKeys: null);
    }

    [Theory]
    [InlineData(188, 2, 10)]
    [InlineData(403, 3, 10)]
    [InlineData(57, 4, 5)]
    public void EveryFold_HoldsEachClassWithinOneGraphOfItsShare(int count, int classes, int folds)
    {
        GraphDataset data = Labelled(count, classes, seed: count);
        IReadOnlyList<GraphDatasetSplit> splits = data.StratifiedFolds(folds, seed: 3);
        Assert.Equal(folds, splits.Count);

        // Every graph is tested exactly once; within a split the three parts are disjoint and cover the data.
        Assert.Equal(Enumerable.Range(0, count), splits.SelectMany(s => s.Test).Order());
        foreach (GraphDatasetSplit s in splits)
        {
            Assert.Equal(Enumerable.Range(0, count), s.Train.Concat(s.Valid).Concat(s.Test).Order());
        }

        for (int f = 0; f < folds; f++)
        {
            Assert.Equal(splits[(f + 1) % folds].Test, splits[f].Valid);
            for (int c = 0; c < classes; c++)
            {
                int total = data.Graphs.Count(g => (int)g.Target == c);
                int inFold = splits[f].Test.Count(i => (int)data.Graphs[i].Target == c);
                Assert.True(Math.Abs(inFold - ((double)total / folds)) < 1, $"fold {f} class {c}: {inFold} of {total}");
            }

            // So each fold's class proportions are those of the whole set up to one graph.
            Assert.True(Math.Abs(splits[f].Test.Count - ((double)count / folds)) < 1);
        }
    }

    [Fact]
    public void Folds_AreDeterministicBySeed()
    {
        GraphDataset data = Labelled(100, 2, seed: 1);
        Assert.Equal(data.StratifiedFolds(10, 4).Select(s => s.Test), data.StratifiedFolds(10, 4).Select(s => s.Test));
        Assert.NotEqual(data.StratifiedFolds(10, 4).Select(s => s.Test), data.StratifiedFolds(10, 5).Select(s => s.Test));
    }

    [Theory]
    [InlineData(2)]
    [InlineData(1)]
    [InlineData(101)]
    public void Folds_OutOfRangeAreRefused(int folds) =>
        Assert.Throws<ArgumentOutOfRangeException>(() => Labelled(100, 2, seed: 1).StratifiedFolds(folds, 1));
}
