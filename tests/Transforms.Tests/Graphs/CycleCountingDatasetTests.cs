using Pipelines.Numerics.Graphs;
using Pipelines.Transforms.Graphs.Datasets;
using Xunit;

namespace Pipelines.Transforms.Tests.Graphs;

public class CycleCountingDatasetTests
{
    [Fact]
    public void Generate_IsSeededAndCountsAreExact()
    {
        var a = CycleCountingDataset.Generate(40, seed: 5);
        var b = CycleCountingDataset.Generate(40, seed: 5);
        Assert.Equal(a.Select(s => s.Counts.Sum()), b.Select(s => s.Counts.Sum()));
        Assert.Contains(a, s => s.Counts[3] > 0); // some 6-cycles occur at this density
        foreach (CycleCountingSample s in a.Take(10))
        {
            // Per-node counts sum to L × the graph count.
            for (int l = 0; l < 4; l++)
            {
                Assert.Equal(s.Counts[l] * (l + 3), Enumerable.Range(0, s.Graph.NodeCount).Sum(i => s.NodeCounts[(i * 4) + l]));
            }

            Assert.Equal(CycleCounter.Count(s.Graph.ToStructure(), 6), s.Counts);
            Assert.Equal(s.Counts[1], s.WithTarget(4).Target);
        }

        Assert.NotEqual(a.Select(s => s.Graph.EdgeCount), CycleCountingDataset.Generate(40, seed: 6).Select(s => s.Graph.EdgeCount));
    }
}
