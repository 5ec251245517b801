using Pipelines.Numerics.Topology;

namespace Pipelines.Numerics.Tests.Topology.Mma;

/// <summary>
/// The vine matching as it was before the CSR lists and kept visited marks (s10): plain Kuhn, a fresh visited array
/// per search. The reference the faster <see cref="VineMatching"/> must reproduce exactly.
/// </summary>
internal sealed class KuhnVineMatching
{
    private readonly List<int>[] _adjLower;
    private readonly List<int>[] _adjUpper;
    private readonly bool[] _mustUpper;
    private readonly int[] _matchLower;
    private readonly int[] _matchUpper;
    private bool[] _visited = [];

    private KuhnVineMatching(LineBar[] lower, LineBar[] upper, float delta, float eta)
    {
        _adjLower = [.. lower.Select(_ => new List<int>())];
        _adjUpper = [.. upper.Select(_ => new List<int>())];
        for (int i = 0; i < lower.Length; i++)
        {
            var keys = new List<ulong>();
            for (int j = 0; j < upper.Length; j++)
            {
                // The same admissible window as the birth-sorted scan: birth in [a − δ − η, a + η].
                if (upper[j].Birth >= lower[i].Birth - delta - eta && upper[j].Birth <= lower[i].Birth + eta && DeathCompatible(lower[i].Death, upper[j].Death, delta, eta))
                {
                    float cost = Cost(lower[i], upper[j], delta);
                    keys.Add(((ulong)(cost == 0f ? 0u : BitConverter.SingleToUInt32Bits(cost)) << 32) | (uint)j);
                }
            }

            keys.Sort();
            foreach (ulong key in keys)
            {
                _adjLower[i].Add((int)(uint)key);
                _adjUpper[(int)(uint)key].Add(i);
            }
        }

        _mustUpper = [.. upper.Select(b => b.Length > delta + eta)];
        _matchLower = [.. lower.Select(_ => -1)];
        _matchUpper = [.. upper.Select(_ => -1)];
    }

    public static (int[] LowerToUpper, int Discontinuities) Match(LineBar[] lower, LineBar[] upper, float delta, float eta)
    {
        var m = new KuhnVineMatching(lower, upper, delta, eta);
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < lower.Length; i++)
            {
                if ((lower[i].Length > delta + eta) == (pass == 0) && m._matchLower[i] < 0)
                {
                    m._visited = new bool[upper.Length];
                    m.AugmentFromLower(i);
                }
            }
        }

        for (int j = 0; j < upper.Length; j++)
        {
            if (m._mustUpper[j] && m._matchUpper[j] < 0)
            {
                m._visited = new bool[lower.Length];
                m.AugmentFromUpper(j);
            }
        }

        int broken = lower.Where((b, i) => b.Length > delta + eta && m._matchLower[i] < 0).Count()
            + upper.Where((_, j) => m._mustUpper[j] && m._matchUpper[j] < 0).Count();
        return (m._matchLower, broken);
    }

    private bool AugmentFromLower(int i)
    {
        foreach (int j in _adjLower[i])
        {
            if (_visited[j])
            {
                continue;
            }

            _visited[j] = true;
            if (_matchUpper[j] < 0 || AugmentFromLower(_matchUpper[j]))
            {
                _matchUpper[j] = i;
                _matchLower[i] = j;
                return true;
            }
        }

        return false;
    }

    private bool AugmentFromUpper(int j)
    {
        foreach (int i in _adjUpper[j])
        {
            if (_visited[i])
            {
                continue;
            }

            _visited[i] = true;
            int r = _matchLower[i];
            if (r < 0 || AugmentFromUpper(r))
            {
                (_matchLower[i], _matchUpper[j]) = (j, i);
                return true;
            }

            if (!_mustUpper[r])
            {
                _matchUpper[r] = -1;
                (_matchLower[i], _matchUpper[j]) = (j, i);
                return true;
            }
        }

        return false;
    }

    internal static bool DeathCompatible(float a, float b, float delta, float eta) =>
        float.IsPositiveInfinity(a) || float.IsPositiveInfinity(b)
            ? float.IsPositiveInfinity(a) && float.IsPositiveInfinity(b)
            : b <= a + eta && b >= a - delta - eta;

    private static float Cost(LineBar a, LineBar b, float delta)
    {
        float half = delta / 2;
        float db = MathF.Abs(b.Birth - (a.Birth - half));
        float dd = float.IsPositiveInfinity(a.Death) ? 0f : MathF.Abs(b.Death - (a.Death - half));
        return MathF.Max(db, dd);
    }
}
