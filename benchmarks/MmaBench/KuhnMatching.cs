using Pipelines.Numerics.Topology;

namespace Pipelines.Benchmarks.Mma;

/// <summary>
/// The peer of <c>--matching</c>: the library's MMA vine matching (plain Kuhn augmenting paths over per-bar
/// <see cref="List{T}"/> candidate lists, a fresh visited array for every search) as of s10, kept here verbatim with
/// two counters (searches, visited vertices) so that a replacement of <c>VineMatching</c> is timed against it on the
/// same line barcodes and checked to give the same matching.
/// </summary>
internal sealed class KuhnMatching
{
    private readonly LineBar[] _lower;
    private readonly LineBar[] _upper;
    private readonly List<int>[] _adjLower;
    private readonly List<int>[] _adjUpper;
    private readonly bool[] _mustUpper;
    private readonly int[] _matchLower;
    private readonly int[] _matchUpper;
    private bool[] _visited = [];

    private KuhnMatching(LineBar[] lower, LineBar[] upper, float delta, float eta)
    {
        _lower = lower;
        _upper = upper;
        _adjLower = new List<int>[lower.Length];
        _adjUpper = new List<int>[upper.Length];
        for (int i = 0; i < lower.Length; i++)
        {
            _adjLower[i] = [];
        }

        for (int j = 0; j < upper.Length; j++)
        {
            _adjUpper[j] = [];
        }

        // Both lists are sorted by birth: scan the window of upper births in [a.Birth − δ − η, a.Birth + η].
        int start = 0;
        var keys = new List<ulong>();
        for (int i = 0; i < lower.Length; i++)
        {
            LineBar a = lower[i];
            while (start < upper.Length && upper[start].Birth < a.Birth - delta - eta)
            {
                start++;
            }

            // Prefer the closest partner (deterministic: then by index), sorted as one key each: the cost's bits (a
            // non-negative float orders as its bits) above the index.
            keys.Clear();
            for (int j = start; j < upper.Length && upper[j].Birth <= a.Birth + eta; j++)
            {
                if (DeathCompatible(a.Death, upper[j].Death, delta, eta))
                {
                    float cost = Cost(a, upper[j], delta);
                    keys.Add(((ulong)(cost == 0f ? 0u : BitConverter.SingleToUInt32Bits(cost)) << 32) | (uint)j);
                }
            }

            keys.Sort();
            foreach (ulong key in keys)
            {
                int j = (int)(uint)key;
                _adjLower[i].Add(j);
                _adjUpper[j].Add(i);
            }
        }

        _mustUpper = [.. upper.Select(b => b.Length > delta + eta)];
        _matchLower = new int[lower.Length];
        _matchUpper = new int[upper.Length];
        Array.Fill(_matchLower, -1);
        Array.Fill(_matchUpper, -1);
    }

    /// <summary>Matches <paramref name="lower"/> (line c) to <paramref name="upper"/> (line c + δ), both sorted by birth.</summary>
    /// <returns>For each lower bar the index of its upper partner or −1, and the number of long bars left unmatched.</returns>
    public static (int[] LowerToUpper, int Discontinuities) Match(LineBar[] lower, LineBar[] upper, float delta, float eta)
    {
        var m = new KuhnMatching(lower, upper, delta, eta);
        for (int pass = 0; pass < 2; pass++)
        {
            for (int i = 0; i < lower.Length; i++)
            {
                if ((lower[i].Length > delta + eta) == (pass == 0) && m._matchLower[i] < 0)
                {
                    m._visited = new bool[upper.Length];
                    Searches++;
                    m.AugmentFromLower(i);
                }
            }
        }

        for (int j = 0; j < upper.Length; j++)
        {
            if (m._mustUpper[j] && m._matchUpper[j] < 0)
            {
                m._visited = new bool[lower.Length];
                Searches++;
                m.AugmentFromUpper(j);
            }
        }

        int broken = 0;
        for (int i = 0; i < lower.Length; i++)
        {
            broken += lower[i].Length > delta + eta && m._matchLower[i] < 0 ? 1 : 0;
        }

        for (int j = 0; j < upper.Length; j++)
        {
            broken += m._mustUpper[j] && m._matchUpper[j] < 0 ? 1 : 0;
        }

        return (m._matchLower, broken);
    }

    /// <summary>Gets or sets the number of searches started (a diagnostic of <c>--matching</c>).</summary>
    public static long Searches { get; set; }

    /// <summary>Gets or sets the number of vertices the searches visited (a diagnostic of <c>--matching</c>).</summary>
    public static long Visits { get; set; }

    private bool AugmentFromLower(int i)
    {
        Visits++;
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
        Visits++;
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
                Link(i, j);
                return true;
            }

            if (!_mustUpper[r])
            {
                // The alternating path ends by freeing a short upper bar.
                _matchUpper[r] = -1;
                Link(i, j);
                return true;
            }
        }

        return false;
    }

    private void Link(int i, int j)
    {
        _matchLower[i] = j;
        _matchUpper[j] = i;
    }

    private static bool DeathCompatible(float a, float b, float delta, float eta) =>
        float.IsPositiveInfinity(a) || float.IsPositiveInfinity(b)
            ? float.IsPositiveInfinity(a) && float.IsPositiveInfinity(b)
            : b <= a + eta && b >= a - delta - eta;

    private static float Cost(LineBar a, LineBar b, float delta)
    {
        // Distance from the middle of the admissible window [a − δ, a] at each end.
        float half = delta / 2;
        float db = MathF.Abs(b.Birth - (a.Birth - half));
        float dd = float.IsPositiveInfinity(a.Death) ? 0f : MathF.Abs(b.Death - (a.Death - half));
        return MathF.Max(db, dd);
    }
}
