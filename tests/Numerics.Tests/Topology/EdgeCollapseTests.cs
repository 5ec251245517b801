using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class EdgeCollapseTests
{
    private static float[] Cloud(int n, int dim, int seed)
    {
        var rng = new Random(seed);
        return [.. Enumerable.Range(0, n * dim).Select(_ => (float)rng.NextDouble())];
    }

    private static (int Dim, float Birth, float Death)[] Sorted(PersistenceDiagram d) =>
        [.. Enumerable.Range(0, d.MaxDimension + 1).SelectMany(k => d.InDimension(k).ToArray()).Select(p => (p.Dimension, p.Birth, p.Death)).Order()];

    [Theory]
    [InlineData(1, 60, 2, 1, null)]
    [InlineData(2, 80, 3, 1, null)]
    [InlineData(3, 120, 2, 1, 0.3f)]
    [InlineData(4, 100, 4, 1, 0.6f)]
    [InlineData(5, 50, 3, 2, null)]
    [InlineData(6, 70, 2, 2, 0.35f)]
    [InlineData(7, 40, 5, 3, null)]
    public void Collapse_KeepsTheDiagramExactlyAndRemovesEdges(int seed, int n, int dim, int maxDim, float? threshold)
    {
        float[] pts = Cloud(n, dim, seed);
        var plain = new RipsOptions { MaxDimension = maxDim, Threshold = threshold, EdgeCollapse = EdgeCollapseMode.Off };
        PersistenceDiagram expected = RipsPersistence.Compute(pts, dim, plain);
        PersistenceDiagram collapsed = RipsPersistence.Compute(pts, dim, plain with { EdgeCollapse = EdgeCollapseMode.On });
        Assert.Equal(Sorted(expected), Sorted(collapsed));

        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, dim);
        (_, int before, int after) = EdgeCollapse.Collapse(dm, threshold ?? dm.EnclosingRadius());
        Assert.True(after < before / 2, $"{before} edges → {after}");
    }

    [Theory]
    [InlineData(11, 300, 2, 1, 0.12f)]
    [InlineData(12, 250, 2, 2, 0.2f)]
    [InlineData(13, 300, 3, 1, 0.2f)]
    [InlineData(14, 200, 3, 2, 0.24f)]
    [InlineData(15, 150, 1, 1, 0.05f)]
    public void Collapse_OnTheGridRoute_EqualsTheMatrixRouteEdgeForEdgeAndKeepsTheDiagram(int seed, int n, int dim, int maxDim, float threshold)
    {
        // Thresholds under a quarter of the unit cube: RipsPersistence takes the cell-grid route (no n × n matrix).
        float[] pts = Cloud(n, dim, seed);
        Assert.True(CellGrid.Pays(pts, dim, threshold));
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, dim);
        (DistanceMatrix dense, int before, int after) = EdgeCollapse.Collapse(dm, threshold);
        RipsGraph sparse = EdgeCollapse.Collapse(RipsGraph.FromPoints(pts, dim, threshold, _ => { }), out int kept);
        Assert.Equal(after, kept);
        Assert.Equal(after, sparse.EdgeCount);
        Assert.True(after < before, $"{before} edges → {after}");
        for (int i = 1; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                Assert.Equal(dense[i, j], sparse[i, j]);
            }
        }

        var plain = new RipsOptions { MaxDimension = maxDim, Threshold = threshold, EdgeCollapse = EdgeCollapseMode.Off };
        PersistenceDiagram expected = RipsPersistence.Compute(dm, plain);
        Assert.Equal(Sorted(expected), Sorted(RipsPersistence.Compute(pts, dim, plain with { EdgeCollapse = EdgeCollapseMode.On })));
        Assert.Equal(Sorted(expected), Sorted(RipsPersistence.Compute(dm, plain with { EdgeCollapse = EdgeCollapseMode.On })));
    }

    [Fact]
    public void Collapse_OnlyDelaysEdgesToValuesOfOtherEdges()
    {
        float[] pts = Cloud(50, 2, 9);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float thr = dm.EnclosingRadius();
        (DistanceMatrix c, _, _) = EdgeCollapse.Collapse(dm, thr);
        var values = new HashSet<float>();
        for (int i = 0; i < 50; i++)
        {
            for (int j = 0; j < i; j++)
            {
                if (dm[i, j] <= thr)
                {
                    values.Add(dm[i, j]);
                }
            }
        }

        for (int i = 0; i < 50; i++)
        {
            for (int j = 0; j < i; j++)
            {
                Assert.True(float.IsPositiveInfinity(c[i, j]) || (c[i, j] >= dm[i, j] && values.Contains(c[i, j])), $"edge ({i},{j}) {dm[i, j]} → {c[i, j]}");
            }
        }
    }

    [Fact]
    public void Collapse_OfACompleteGraphOnTiedValuesLeavesATree()
    {
        // All pairwise distances equal: the flag complex is a simplex (contractible); H0 has n − 1 bars of length 0.
        var dm = DistanceMatrix.FromLowerTriangle(6, Enumerable.Repeat(1f, 15).ToArray());
        (DistanceMatrix c, int before, int after) = EdgeCollapse.Collapse(dm, 1f);
        Assert.Equal(15, before);
        Assert.True(after <= 5, $"{after} edges left");
        PersistenceDiagram d = RipsPersistence.Compute(c, new RipsOptions { MaxDimension = 2, Threshold = 1f, EdgeCollapse = EdgeCollapseMode.Off });
        Assert.Equal(Sorted(RipsPersistence.Compute(dm, new RipsOptions { MaxDimension = 2, Threshold = 1f, EdgeCollapse = EdgeCollapseMode.Off })), Sorted(d));
    }
}
