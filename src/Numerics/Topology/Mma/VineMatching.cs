namespace Pipelines.Numerics.Topology;

/// <summary>
/// Matches the bars of two neighbouring lines of an MMA family (offsets c and c + δ) the way a vineyard between them
/// would: along a vine, birth and death (in the first coordinate s) can only go down, by at most δ. Bar a on the lower
/// line may be matched to bar b on the upper line when b.Birth ∈ [a.Birth − δ, a.Birth] and b.Death ∈ [a.Death − δ,
/// a.Death] (±η for rounding; +∞ only with +∞). A bar longer than δ must be matched (a vine cannot appear or vanish
/// with it); shorter bars may start or end a summand.
/// </summary>
/// <remarks>
/// Such a matching exists (the vineyard of the pushed filtrations between the two lines is one), and with it every
/// summand restricts on each swept line to exactly its bar there, and on any line in between to within δ of that
/// line's barcode. Found by augmenting paths (Kuhn): first from the lower line's long bars, then its short ones (both
/// keep every matched vertex matched), then from the upper line's unmatched long bars, whose alternating paths may end
/// by freeing a short upper bar. Long bars left unmatched (rounding ties) are counted as discontinuities.
/// </remarks>
internal sealed class VineMatching
{
    private readonly LineBar[] _lower;
    private readonly LineBar[] _upper;
    private readonly List<int>[] _adjLower;
    private readonly List<int>[] _adjUpper;
    private readonly bool[] _mustUpper;
    private readonly int[] _matchLower;
    private readonly int[] _matchUpper;
    private bool[] _visited = [];

    private VineMatching(LineBar[] lower, LineBar[] upper, float delta, float eta)
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
        var m = new VineMatching(lower, upper, delta, eta);
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
