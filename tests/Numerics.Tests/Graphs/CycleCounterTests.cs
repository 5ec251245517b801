using Pipelines.Numerics.Graphs;
using Xunit;

namespace Pipelines.Numerics.Tests.Graphs;

public class CycleCounterTests
{
    [Fact]
    public void Count_PetersenAndCompleteGraphsMatchKnownValues()
    {
        // Petersen: girth 5, 12 pentagons, 10 hexagons.
        Assert.Equal([0L, 0L, 12L, 10L], CycleCounter.Count(RandomGraphs.Petersen(), 6));

        // K_n has n!/((n−L)!·2L) cycles of length L.
        long[] k6 = CycleCounter.Count(RandomGraphs.Complete(6), 6);
        Assert.Equal([20L, 45L, 72L, 60L], k6);
    }

    [Fact]
    public void Count_MatchesTraceFormulasOnRandomGraphs()
    {
        var rng = new Random(2024);
        for (int trial = 0; trial < 10; trial++)
        {
            GraphStructure g = RandomGraphs.ErdosRenyi(18, 0.25, rng);
            int n = g.NodeCount;
            double[] a = GraphTestMath.Adjacency(g);
            double[] a2 = GraphTestMath.MatMul(a, a, n);
            double[] a3 = GraphTestMath.MatMul(a2, a, n);
            double[] a4 = GraphTestMath.MatMul(a3, a, n);
            long triangles = (long)Math.Round(GraphTestMath.Trace(a3, n) / 6);
            double choose2 = g.WeightedDegrees.Sum(d => d * (d - 1) / 2);
            long squares = (long)Math.Round((GraphTestMath.Trace(a4, n) - (2 * g.EdgeCount) - (4 * choose2)) / 8);
            var perNode = new long[n * 4];
            long[] counts = CycleCounter.Count(g, 6, perNode);
            Assert.Equal(triangles, counts[0]);
            Assert.Equal(squares, counts[1]);

            // Node counts: each L-cycle lies on L nodes; triangles per node = (A³)_ii / 2.
            for (int l = 0; l < 4; l++)
            {
                Assert.Equal(counts[l] * (l + 3), Enumerable.Range(0, n).Sum(i => perNode[(i * 4) + l]));
            }

            for (int i = 0; i < n; i++)
            {
                Assert.Equal((long)Math.Round(a3[(i * n) + i] / 2), perNode[i * 4]);
            }
        }
    }
}
