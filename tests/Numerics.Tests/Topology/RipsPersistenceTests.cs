using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class RipsPersistenceTests
{
    private const float Tolerance = 2e-5f;

    [Theory]
    [InlineData("circle60")]
    [InlineData("torus150")]
    [InlineData("sphere2_80")]
    [InlineData("random4d_30")]
    [InlineData("annulus_thr")]
    public void Compute_MatchesGudhiSortedBirthsAndDeaths(string name)
    {
        (float[] points, int dim) = TopologyFixtures.ReadPoints(name);
        (float threshold, int maxDim, List<PersistencePair> expected) = TopologyFixtures.ReadDiagram(name);
        PersistenceDiagram actual = RipsPersistence.Compute(points, dim, new RipsOptions { MaxDimension = maxDim, Threshold = threshold });
        for (int d = 0; d <= maxDim; d++)
        {
            float[] eb = [.. expected.Where(p => p.Dimension == d).Select(p => p.Birth).Order()];
            float[] ed = [.. expected.Where(p => p.Dimension == d).Select(p => p.Death).Order()];
            PersistencePair[] got = actual.InDimension(d).ToArray();
            Assert.True(eb.Length == got.Length, $"{name} H{d}: GUDHI has {eb.Length} intervals, we have {got.Length}");
            float[] gb = [.. got.Select(p => p.Birth).Order()];
            float[] gd = [.. got.Select(p => p.Death).Order()];
            for (int i = 0; i < eb.Length; i++)
            {
                Assert.True(Math.Abs(eb[i] - gb[i]) <= Tolerance, $"{name} H{d} birth #{i}: {eb[i]} vs {gb[i]}");
                Assert.True(ed[i] == gd[i] || Math.Abs(ed[i] - gd[i]) <= Tolerance, $"{name} H{d} death #{i}: {ed[i]} vs {gd[i]}");
            }
        }
    }

    [Fact]
    public void Compute_IsInvariantToPointOrder()
    {
        (float[] points, int dim) = TopologyFixtures.ReadPoints("torus150");
        var options = new RipsOptions { MaxDimension = 2, Threshold = 1.2f };
        PersistenceDiagram a = RipsPersistence.Compute(points, dim, options);
        int n = points.Length / dim;
        int[] perm = [.. Enumerable.Range(0, n)];
        new Random(7).Shuffle(perm);
        var shuffled = new float[points.Length];
        for (int i = 0; i < n; i++)
        {
            Array.Copy(points, perm[i] * dim, shuffled, i * dim, dim);
        }

        PersistenceDiagram b = RipsPersistence.Compute(shuffled, dim, options);
        for (int d = 0; d <= 2; d++)
        {
            Assert.Equal(a.InDimension(d).ToArray(), b.InDimension(d).ToArray());
        }
    }

    [Fact]
    public void Compute_EmptyInputGivesEmptyDiagram()
    {
        PersistenceDiagram dgm = RipsPersistence.Compute([], 3, new RipsOptions { MaxDimension = 2 });
        Assert.Equal(0, dgm.Count);
    }

    [Fact]
    public void Compute_OnePointGivesOneEssentialComponent()
    {
        PersistenceDiagram dgm = RipsPersistence.Compute([1f, 2f, 3f], 3, new RipsOptions { MaxDimension = 2 });
        Assert.Equal([new PersistencePair(0, 0f, float.PositiveInfinity)], dgm.InDimension(0).ToArray());
        Assert.Equal(1, dgm.Count);
    }

    [Fact]
    public void Compute_SquareHasOneLoopDyingAtTheDiagonal()
    {
        // Unit square: the 4-cycle is born at 1 (sides) and filled at √2 (diagonals).
        PersistenceDiagram dgm = RipsPersistence.Compute([0f, 0f, 1f, 0f, 1f, 1f, 0f, 1f], 2, new RipsOptions { MaxDimension = 1, Threshold = 2f });
        PersistencePair h1 = Assert.Single(dgm.InDimension(1).ToArray());
        Assert.Equal(1f, h1.Birth);
        Assert.Equal(MathF.Sqrt(2f), h1.Death, 1e-6f);
        Assert.Equal(4, dgm.InDimension(0).Length);
    }

    [Fact]
    public void Compute_RefusesNaN()
    {
        ArgumentException e = Assert.Throws<ArgumentException>(() => RipsPersistence.Compute([0f, 0f, float.NaN, 1f], 2));
        Assert.Contains("Point 1", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_RefusesOverBudgetBeforeBuilding()
    {
        (float[] points, int dim) = TopologyFixtures.ReadPoints("sphere2_80");
        var options = new RipsOptions { MaxDimension = 2, Threshold = 10f, Budget = new ComplexBudget(50_000, long.MaxValue) };
        ComplexBudgetExceededException e = Assert.Throws<ComplexBudgetExceededException>(() => RipsPersistence.Compute(points, dim, options));
        // Full complex on 80 points: 80 + C(80,2) + C(80,3) = 85,400 stored simplices, estimate is exact here.
        Assert.Equal(85_400, e.Estimate.StoredSimplices, 1e-6);
        Assert.Contains("budget 50,000", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Compute_DefaultThresholdIsEnclosingRadiusAndLeavesOnlyOneEssentialClass()
    {
        (float[] points, int dim) = TopologyFixtures.ReadPoints("circle60");
        PersistenceDiagram dgm = RipsPersistence.Compute(points, dim, new RipsOptions { MaxDimension = 2 });
        Assert.Equal(1, dgm.InDimension(0).ToArray().Count(p => p.IsEssential));
        Assert.DoesNotContain(dgm.InDimension(1).ToArray(), p => p.IsEssential);
        Assert.DoesNotContain(dgm.InDimension(2).ToArray(), p => p.IsEssential);
        Assert.Contains(dgm.InDimension(1).ToArray(), p => p.Persistence > 1f);
    }
}
