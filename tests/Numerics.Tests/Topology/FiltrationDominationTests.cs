using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology;

public sealed class FiltrationDominationTests
{
    [Fact]
    public void Collapse_RemovesAnEdgeDominatedAtEveryGrade()
    {
        // u = 0, v = 1, w = 2, all at level 0: uv (grade 2) is dominated by w once uw, vw (grade 1) are present.
        float[] lower = [2, 1, 1];
        (int before, int after) = FiltrationDomination.Collapse(lower, [0, 0, 0], absent: 5);
        Assert.Equal((3, 2), (before, after));
        Assert.Equal([5, 1, 1], lower);
    }

    [Fact]
    public void Collapse_KeepsAnEdgeWhoseDominatorEntersLater()
    {
        // Same triangle, but w only enters at level 1: at (2, 0) the edge uv is not dominated.
        float[] lower = [2, 1, 1];
        (int before, int after) = FiltrationDomination.Collapse(lower, [0, 0, 1], absent: 5);
        Assert.Equal((3, 3), (before, after));
        Assert.Equal([2, 1, 1], lower);
    }

    [Fact]
    public void Collapse_KeepsTheEdgesOfAnEmptySquare()
    {
        // 4-cycle 0-1-2-3 without diagonals: no common neighbours, nothing is dominated (H1 must survive).
        // Lower triangle order: (1,0) (2,0) (2,1) (3,0) (3,1) (3,2).
        float[] lower = [1, 9, 1, 1, 9, 1];
        (int before, int after) = FiltrationDomination.Collapse(lower, [0, 0, 0, 0], absent: 9);
        Assert.Equal((4, 4), (before, after));
    }

    [Theory]
    [InlineData(1, 40, 8, 1.2f, 1)]
    [InlineData(2, 60, 12, 0.8f, 2)]
    [InlineData(3, 50, 20, float.NaN, 1)]
    [InlineData(4, 35, 6, float.NaN, 2)]
    public void Hilbert_CollapsedEqualsUncollapsedOnAnnuli(int seed, int n, int resolution, float threshold, int maxDegree)
    {
        float[] pts = TopologyTestData.NoisyAnnulus(n, 0.15f, seed);
        AssertSameMeasures(pts, 2, threshold, resolution, maxDegree);
    }

    [Theory]
    [InlineData(5, 80, 20)]
    [InlineData(6, 60, 10)]
    public void Hilbert_CollapsedEqualsUncollapsedOnDelayEmbeddedSeries(int seed, int length, int resolution)
    {
        var rng = new Random(seed);
        float[] series = [.. Enumerable.Range(0, length).Select(t => (float)(Math.Sin(t * 0.3) + (0.3 * Math.Sin(t * 1.1)) + (0.2 * rng.NextDouble())))];
        float[] pts = DelayEmbedding.Embed(series, 3, 1, 1);
        AssertSameMeasures(pts, 3, float.NaN, resolution, 1);
    }

    [Fact]
    public void Collapse_RemovesMostEdgesOfADenseSeriesCloud()
    {
        var rng = new Random(9);
        float[] series = [.. Enumerable.Range(0, 120).Select(t => (float)(Math.Sin(t * 0.2) + (0.1 * rng.NextDouble())))];
        float[] pts = DelayEmbedding.Embed(series, 3, 1, 1);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 3);
        float[] c = Codensity.Compute(dm, 3, CodensityKind.GaussianKde, 0.3f);
        var g1 = FiltrationGrid.Fit([.. dm.Lower.ToArray(), 0f], GridStrategy.Regular, 20);
        var g2 = FiltrationGrid.Fit(c, GridStrategy.Regular, 20);
        float[] snapped = [.. dm.Lower.ToArray().Select(d => (float)g1.Snap(d))];
        (int before, int after) = FiltrationDomination.Collapse(snapped, [.. c.Select(g2.Snap)], g1.Count);
        Assert.True(after * 10 < before, $"{before} → {after} edges");
    }

    [Fact]
    public void RankInvariant_ElbowsOfTheCollapsedGraphEqualTheFullComplexPaths()
    {
        // RankInvariant.Compute(f, …) collapses; the BigradedComplex path reduces every simplex up to triangles.
        float[] pts = TopologyTestData.NoisyAnnulus(30, 0.15f, 8);
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, 2);
        float[] c = Codensity.Compute(dm, 2, CodensityKind.GaussianKde, 0.3f);
        var f = new FunctionRipsBifiltration(dm, c, 1.5f);
        var g1 = FiltrationGrid.Fit(f.EdgeValues(), GridStrategy.Regular, 7);
        var g2 = FiltrationGrid.Fit(c, GridStrategy.Regular, 7);
        RankInvariant[] collapsed = RankInvariant.Compute(f, g1, g2, maxDegree: 1);
        RankInvariant[] full = RankInvariant.Compute(BigradedComplex.FromFunctionRips(f, g1, g2, 2), 1);
        for (int d = 0; d <= 1; d++)
        {
            for (int i = 0; i < g1.Count; i++)
            {
                for (int j = 0; j < g2.Count; j++)
                {
                    for (int k = 0; k < g1.Count; k++)
                    {
                        for (int l = 0; l < g2.Count; l++)
                        {
                            Assert.Equal(full[d].Raw(i, j, k, l), collapsed[d].Raw(i, j, k, l));
                        }
                    }
                }
            }
        }
    }

    private static void AssertSameMeasures(float[] pts, int dim, float threshold, int resolution, int maxDegree)
    {
        DistanceMatrix dm = DistanceMatrix.FromPoints(pts, dim);
        float[] c = Codensity.Compute(dm, dim, CodensityKind.GaussianKde, 0.3f);
        var f = new FunctionRipsBifiltration(dm, c, float.IsNaN(threshold) ? null : threshold);
        var g1 = FiltrationGrid.Fit([.. f.EdgeValues(), 0f], GridStrategy.Regular, resolution, 0.01f);
        var g2 = FiltrationGrid.Fit(c, GridStrategy.Regular, resolution, 0.01f);
        SignedMeasure[] on = f.HilbertSignedMeasures(g1, g2, maxDegree, zeroPad: true, edgeCollapse: EdgeCollapseMode.On);
        SignedMeasure[] off = f.HilbertSignedMeasures(g1, g2, maxDegree, zeroPad: true, edgeCollapse: EdgeCollapseMode.Off);
        Assert.True(off.Sum(m => m.TotalVariation) > 0, "the measures must not be trivially empty");
        for (int d = 0; d <= maxDegree; d++)
        {
            Assert.Equal(off[d].Weights.ToArray(), on[d].Weights.ToArray());
        }
    }
}
