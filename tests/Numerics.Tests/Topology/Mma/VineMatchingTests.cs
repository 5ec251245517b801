using Pipelines.Numerics.Topology;
using Xunit;

namespace Pipelines.Numerics.Tests.Topology.Mma;

public sealed class VineMatchingTests
{
    [Fact]
    public void Match_FollowsAugmentingPathsWhereTheClosestPartnerIsTaken()
    {
        // Lower a0 = [1, 3) may go to u0 or u1, a1 = [1.05, 2.95) only to u0 (δ = 0.1): a0's closest partner is u0, so
        // a greedy choice would strand a1; the augmenting path moves a0 to u1.
        LineBar[] lower = [new(1f, 3f), new(1.05f, 2.95f)];
        LineBar[] upper = [new(0.96f, 2.92f), new(0.92f, 2.96f)];
        (int[] map, int broken) = VineMatching.Match(lower, upper, 0.1f, 1e-5f);
        Assert.Equal(0, broken);
        Assert.Equal([1, 0], map);
    }

    [Fact]
    public void Match_BarsMayOnlyMoveDownByAtMostDelta()
    {
        LineBar[] lower = [new(1f, 2f)];
        Assert.Equal(0, VineMatching.Match(lower, [new(0.95f, 1.95f)], 0.1f, 1e-5f).Discontinuities);
        Assert.Equal(2, VineMatching.Match(lower, [new(1.05f, 2f)], 0.1f, 1e-5f).Discontinuities);
        Assert.Equal(2, VineMatching.Match(lower, [new(1f, 1.8f)], 0.1f, 1e-5f).Discontinuities);
        Assert.Equal(2, VineMatching.Match(lower, [new(1f, float.PositiveInfinity)], 0.1f, 1e-5f).Discontinuities);
    }

    [Fact]
    public void Match_ShortBarsMayStartOrEndASummand()
    {
        // A bar of length ≤ δ may vanish, and one may appear; long bars must be matched.
        (int[] map, int broken) = VineMatching.Match([new(1f, 1.08f), new(2f, 4f)], [new(1.95f, 3.95f), new(5f, 5.05f)], 0.1f, 1e-5f);
        Assert.Equal(0, broken);
        Assert.Equal([-1, 0], map);
    }
}
