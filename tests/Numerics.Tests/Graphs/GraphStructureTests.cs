using Pipelines.Numerics.Graphs;
using Xunit;

namespace Pipelines.Numerics.Tests.Graphs;

public class GraphStructureTests
{
    [Fact]
    public void Canonical_IsIndependentOfEdgeOrderDirectionAndRepeats()
    {
        var rng = new Random(5);
        const int N = 25;
        (int U, int V)[] edges = [.. Enumerable.Range(0, 60).Select(_ => (rng.Next(N), rng.Next(N)))];
        GraphStructure a = GraphStructure.Canonical(N, edges);

        // shuffled, reversed endpoints, every edge listed twice and a few self-loops added
        (int U, int V)[] noisy = [.. edges.Concat(edges.Select(e => (e.V, e.U))).Concat([(3, 3), (7, 7)])];
        rng.Shuffle(noisy);
        GraphStructure b = GraphStructure.Canonical(N, noisy);

        Assert.Equal(a.Edges.ToArray(), b.Edges.ToArray());
        Assert.True(a.Edges.ToArray().SequenceEqual(a.Edges.ToArray().Order()), "edges are sorted");
        Assert.All(a.Edges.ToArray(), e => Assert.True(e.U < e.V));
        for (int v = 0; v < N; v++)
        {
            Assert.Equal(a.Neighbors(v).ToArray(), b.Neighbors(v).ToArray());
            Assert.True(a.Neighbors(v).ToArray().SequenceEqual(a.Neighbors(v).ToArray().Order()), $"neighbours of {v} are sorted");
            Assert.Equal(a.Neighbors(v).Length, a.Degree(v));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => GraphStructure.Canonical(N, [(0, N)]));
    }
}
