using Pipelines.Numerics.Topology;

namespace Pipelines.Numerics.Tests.Topology.Mma;

/// <summary>
/// Independent references for the MMA tests: an explicit filtered complex pushed onto a slope-1 line and reduced by
/// the textbook column algorithm over Z/2, and an exact bottleneck distance for small barcodes.
/// </summary>
internal static class MmaOracle
{
    /// <summary>Simplices (vertex lists) with their grades: the flag complex up to dimension maxDim + 1, or the graph.</summary>
    public static List<(int[] Vertices, float X, float Y)> FlagComplex(float[] vx, float[] vy, Func<int, int, (float X, float Y)?> edge, int maxSimplexDim)
    {
        int n = vx.Length;
        var simplices = new List<(int[], float, float)>();
        for (int v = 0; v < n; v++)
        {
            simplices.Add(([v], vx[v], vy[v]));
        }

        var level = new List<(int[] V, float X, float Y)>();
        for (int u = 0; u < n; u++)
        {
            for (int v = u + 1; v < n; v++)
            {
                if (edge(u, v) is { } g)
                {
                    level.Add(([u, v], g.X, g.Y));
                }
            }
        }

        simplices.AddRange(level);
        for (int dim = 2; dim <= maxSimplexDim; dim++)
        {
            var next = new List<(int[] V, float X, float Y)>();
            foreach ((int[] s, float x, float y) in level)
            {
                for (int w = s[^1] + 1; w < n; w++)
                {
                    float gx = x, gy = y;
                    bool ok = true;
                    foreach (int u in s)
                    {
                        if (edge(u, w) is not { } g)
                        {
                            ok = false;
                            break;
                        }

                        gx = MathF.Max(gx, g.X);
                        gy = MathF.Max(gy, g.Y);
                    }

                    if (ok)
                    {
                        next.Add(([.. s, w], gx, gy));
                    }
                }
            }

            simplices.AddRange(next);
            level = next;
        }

        return simplices;
    }

    /// <summary>Barcode in degree <paramref name="degree"/> of the complex pushed onto x₂ = x₁ + c (s = max(x, y − c)).</summary>
    public static List<LineBar> LineBarcode(List<(int[] Vertices, float X, float Y)> complex, float offset, int degree)
    {
        var items = complex.Select(s => (s.Vertices, Value: MathF.Max(s.X, s.Y - offset))).ToList();
        items.Sort((a, b) => a.Value != b.Value ? a.Value.CompareTo(b.Value) : a.Vertices.Length.CompareTo(b.Vertices.Length));
        var index = new Dictionary<string, int>();
        for (int i = 0; i < items.Count; i++)
        {
            index[string.Join(',', items[i].Vertices)] = i;
        }

        var columns = new List<SortedSet<int>>();
        var low = new Dictionary<int, int>();
        var paired = new bool[items.Count];
        var bars = new List<LineBar>();
        for (int j = 0; j < items.Count; j++)
        {
            int[] s = items[j].Vertices;
            var col = new SortedSet<int>();
            if (s.Length > 1)
            {
                for (int drop = 0; drop < s.Length; drop++)
                {
                    col.Add(index[string.Join(',', s.Where((_, k) => k != drop))]);
                }
            }

            while (col.Count > 0 && low.TryGetValue(col.Max, out int other))
            {
                col.SymmetricExceptWith(columns[other]);
            }

            columns.Add(col);
            if (col.Count > 0)
            {
                int i = col.Max;
                low[i] = j;
                paired[i] = true;
                paired[j] = true;
                if (items[i].Vertices.Length - 1 == degree && items[j].Value > items[i].Value)
                {
                    bars.Add(new LineBar(items[i].Value, items[j].Value));
                }
            }
        }

        for (int i = 0; i < items.Count; i++)
        {
            if (!paired[i] && items[i].Vertices.Length - 1 == degree)
            {
                bars.Add(new LineBar(items[i].Value, float.PositiveInfinity));
            }
        }

        return bars;
    }

    /// <summary>Exact bottleneck distance (ℓ∞ on endpoints, half the length to the diagonal); +∞ when essential counts differ.</summary>
    public static double Bottleneck(IReadOnlyList<LineBar> a, IReadOnlyList<LineBar> b)
    {
        var ea = a.Where(x => float.IsPositiveInfinity(x.Death)).Select(x => (double)x.Birth).Order().ToArray();
        var eb = b.Where(x => float.IsPositiveInfinity(x.Death)).Select(x => (double)x.Birth).Order().ToArray();
        if (ea.Length != eb.Length)
        {
            return double.PositiveInfinity;
        }

        double essential = ea.Zip(eb).Select(t => Math.Abs(t.First - t.Second)).DefaultIfEmpty(0).Max();
        LineBar[] fa = [.. a.Where(x => !float.IsPositiveInfinity(x.Death))];
        LineBar[] fb = [.. b.Where(x => !float.IsPositiveInfinity(x.Death))];
        int m = fa.Length + fb.Length;
        if (m == 0)
        {
            return essential;
        }

        // Left: fa bars then fb diagonal copies; right: fb bars then fa diagonal copies.
        double Cost(int i, int j)
        {
            bool leftBar = i < fa.Length;
            bool rightBar = j < fb.Length;
            if (leftBar && rightBar)
            {
                return Math.Max(Math.Abs(fa[i].Birth - fb[j].Birth), Math.Abs(fa[i].Death - fb[j].Death));
            }

            if (leftBar)
            {
                return j - fb.Length == i ? fa[i].Length / 2.0 : double.PositiveInfinity;
            }

            if (rightBar)
            {
                return i - fa.Length == j ? fb[j].Length / 2.0 : double.PositiveInfinity;
            }

            return 0;
        }

        var candidates = new SortedSet<double> { 0 };
        for (int i = 0; i < m; i++)
        {
            for (int j = 0; j < m; j++)
            {
                double c = Cost(i, j);
                if (!double.IsPositiveInfinity(c))
                {
                    candidates.Add(c);
                }
            }
        }

        foreach (double t in candidates)
        {
            if (PerfectMatching(m, (i, j) => Cost(i, j) <= t))
            {
                return Math.Max(t, essential);
            }
        }

        return double.PositiveInfinity;
    }

    private static bool PerfectMatching(int m, Func<int, int, bool> edge)
    {
        var matchRight = new int[m];
        Array.Fill(matchRight, -1);
        for (int i = 0; i < m; i++)
        {
            var seen = new bool[m];
            if (!Augment(i, seen))
            {
                return false;
            }
        }

        return true;

        bool Augment(int i, bool[] seen)
        {
            for (int j = 0; j < m; j++)
            {
                if (!seen[j] && edge(i, j))
                {
                    seen[j] = true;
                    if (matchRight[j] < 0 || Augment(matchRight[j], seen))
                    {
                        matchRight[j] = i;
                        return true;
                    }
                }
            }

            return false;
        }
    }
}
