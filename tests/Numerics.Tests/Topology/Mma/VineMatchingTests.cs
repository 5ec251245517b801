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

public sealed class VineMatchingBruteForceTests
{
    private const float Delta = 0.1f;
    private const float Eta = 1e-5f;

    /// <summary>Bars on a coarse lattice (many ties, many candidates per bar), some essential, sorted by birth.</summary>
    private static LineBar[] RandomBars(Random rng, int count, float shift)
    {
        var bars = new LineBar[count];
        for (int k = 0; k < count; k++)
        {
            float birth = (rng.Next(12) * Delta / 4f) - shift;
            float death = rng.Next(8) == 0 ? float.PositiveInfinity : birth + (rng.Next(1, 10) * Delta / 4f) - shift;
            bars[k] = new LineBar(birth, MathF.Max(death, birth));
        }

        return [.. bars.OrderBy(b => b.Birth)];
    }

    /// <summary>
    /// Every matched pair is admissible, no upper bar is used twice, the matching is as large as the largest one
    /// (exhaustive search on ≤ 6 × 6 bars) and the discontinuities are exactly the long bars left unmatched.
    /// </summary>
    [Fact]
    public void Match_IsAMaximumMatchingOfAdmissiblePairs_BruteForce()
    {
        var rng = new Random(7);
        for (int trial = 0; trial < 400; trial++)
        {
            LineBar[] lower = RandomBars(rng, rng.Next(0, 7), 0f);
            LineBar[] upper = RandomBars(rng, rng.Next(0, 7), rng.Next(3) * Delta / 8f);
            (int[] map, int broken) = VineMatching.Match(lower, upper, Delta, Eta);
            var used = new HashSet<int>();
            for (int i = 0; i < lower.Length; i++)
            {
                if (map[i] >= 0)
                {
                    Assert.True(Admissible(lower[i], upper[map[i]]), $"trial {trial}: {lower[i]} → {upper[map[i]]} is not admissible");
                    Assert.True(used.Add(map[i]));
                }
            }

            Assert.Equal(MaximumMatching(lower, upper, 0, 0), used.Count);
            int unmatchedLong = lower.Where((b, i) => b.Length > Delta + Eta && map[i] < 0).Count()
                + upper.Where((b, j) => b.Length > Delta + Eta && !used.Contains(j)).Count();
            Assert.Equal(unmatchedLong, broken);
        }
    }

    private static bool Admissible(LineBar a, LineBar b) =>
        b.Birth >= a.Birth - Delta - Eta && b.Birth <= a.Birth + Eta
            && (float.IsPositiveInfinity(a.Death) || float.IsPositiveInfinity(b.Death)
                ? float.IsPositiveInfinity(a.Death) && float.IsPositiveInfinity(b.Death)
                : b.Death <= a.Death + Eta && b.Death >= a.Death - Delta - Eta);

    /// <summary>The largest matching size, by trying every partner (or none) for each lower bar in turn.</summary>
    private static int MaximumMatching(LineBar[] lower, LineBar[] upper, int i, int usedMask)
    {
        if (i == lower.Length)
        {
            return 0;
        }

        int best = MaximumMatching(lower, upper, i + 1, usedMask);
        for (int j = 0; j < upper.Length; j++)
        {
            if ((usedMask & (1 << j)) == 0 && Admissible(lower[i], upper[j]))
            {
                best = Math.Max(best, 1 + MaximumMatching(lower, upper, i + 1, usedMask | (1 << j)));
            }
        }

        return best;
    }
}
