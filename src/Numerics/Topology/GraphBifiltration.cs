using Pipelines.Numerics.Graphs;

namespace Pipelines.Numerics.Topology;

/// <summary>
/// Lower-star bifiltration of a graph by two vertex functions (f1, f2): node v enters at (f1(v), f2(v)), edge uv at
/// (max(f1(u), f1(v)), max(f2(u), f2(v))). The complex is the graph itself (dimension 1): H0 and H1 only.
/// </summary>
public sealed class GraphBifiltration
{
    private readonly float[] _f1;
    private readonly float[] _f2;

    /// <summary>Creates the bifiltration.</summary>
    /// <param name="graph">The graph.</param>
    /// <param name="f1">First vertex function (length NodeCount, finite).</param>
    /// <param name="f2">Second vertex function (length NodeCount, finite).</param>
    public GraphBifiltration(GraphStructure graph, ReadOnlySpan<float> f1, ReadOnlySpan<float> f2)
    {
        ArgumentNullException.ThrowIfNull(graph);
        Check(graph, f1, nameof(f1));
        Check(graph, f2, nameof(f2));
        Graph = graph;
        _f1 = f1.ToArray();
        _f2 = f2.ToArray();
    }

    /// <summary>
    /// The sublevel × time bifiltration of a series x of length L: the lower-star bifiltration of its path graph
    /// 0 − 1 − … − (L − 1) with f1(t) = x(t) and f2(t) = t / (L − 1) (0 for L = 1). Its H0 Hilbert function at (a, b)
    /// counts the runs (maximal intervals of consecutive indices) of {t ≤ b(L − 1) : x(t) ≤ a}; H1 is zero (a path has
    /// no cycle). Pass −x for superlevel sets.
    /// </summary>
    /// <param name="series">x, length L ≥ 1, finite.</param>
    /// <returns>The bifiltration (L nodes, L − 1 edges).</returns>
    public static GraphBifiltration OfSeries(ReadOnlySpan<float> series)
    {
        if (series.IsEmpty)
        {
            throw new ArgumentException("A series needs at least one value.", nameof(series));
        }

        int length = series.Length;
        var edges = new (int, int)[length - 1];
        var time = new float[length];
        for (int t = 0; t < length; t++)
        {
            time[t] = length == 1 ? 0f : (float)t / (length - 1);
            if (t + 1 < length)
            {
                edges[t] = (t, t + 1);
            }
        }

        return new GraphBifiltration(GraphStructure.Canonical(length, edges), series, time);
    }

    /// <summary>Gets the graph.</summary>
    public GraphStructure Graph { get; }

    /// <summary>Gets the first vertex function.</summary>
    public ReadOnlySpan<float> F1 => _f1;

    /// <summary>Gets the second vertex function.</summary>
    public ReadOnlySpan<float> F2 => _f2;

    private static void Check(GraphStructure g, ReadOnlySpan<float> f, string name)
    {
        if (f.Length != g.NodeCount)
        {
            throw new ArgumentException($"{name} has {f.Length} values for {g.NodeCount} nodes.", name);
        }

        for (int i = 0; i < f.Length; i++)
        {
            if (!float.IsFinite(f[i]))
            {
                throw new ArgumentException($"{name}[{i}] is {f[i]}; NaN and infinite values are refused.", name);
            }
        }
    }

    /// <summary>
    /// Hilbert signed measures of H0 and H1 by the line sweep (see <see cref="FunctionRipsBifiltration.HilbertSignedMeasures"/>):
    /// on each line H0 by union-find with the elder rule, H1 = one essential class per cycle-closing edge.
    /// </summary>
    /// <param name="g1">Grid of f1.</param>
    /// <param name="g2">Grid of f2.</param>
    /// <param name="zeroPad">Kill infinite bars at the last grid index.</param>
    /// <returns>[μ_H0, μ_H1], each (g1.Count, g2.Count).</returns>
    public SignedMeasure[] HilbertSignedMeasures(FiltrationGrid g1, FiltrationGrid g2, bool zeroPad)
    {
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        int n1 = g1.Count;
        int n2 = g2.Count;
        SignedMeasure[] measures = [new SignedMeasure(n1, n2), new SignedMeasure(n1, n2)];
        int n = Graph.NodeCount;
        var a = new int[n];
        var b = new int[n];
        for (int v = 0; v < n; v++)
        {
            a[v] = g1.Snap(_f1[v]);
            b[v] = g2.Snap(_f2[v]);
        }

        ReadOnlySpan<(int U, int V)> edges = Graph.Edges;
        var ea = new int[edges.Length];
        var eb = new int[edges.Length];
        for (int k = 0; k < edges.Length; k++)
        {
            ea[k] = Math.Max(a[edges[k].U], a[edges[k].V]);
            eb[k] = Math.Max(b[edges[k].U], b[edges[k].V]);
        }

        // Events sorted by first-parameter index; at equal index vertices come before edges.
        int[] vOrder = [.. Enumerable.Range(0, n).OrderBy(v => a[v]).ThenBy(v => v)];
        int[] eOrder = [.. Enumerable.Range(0, edges.Length).OrderBy(k => ea[k]).ThenBy(k => k)];
        var parent = new int[n];
        var birth = new int[n];
        var bars = new List<(int Dim, int Birth, int Death)>();
        for (int j = 0; j < n2; j++)
        {
            bars.Clear();
            Array.Fill(parent, -1);
            int vi = 0;
            int ei = 0;
            while (vi < n || ei < edges.Length)
            {
                bool takeVertex = ei >= edges.Length || (vi < n && a[vOrder[vi]] <= ea[eOrder[ei]]);
                if (takeVertex)
                {
                    int v = vOrder[vi++];
                    if (b[v] <= j && a[v] < n1)
                    {
                        parent[v] = v;
                        birth[v] = a[v];
                    }

                    continue;
                }

                int k = eOrder[ei++];
                if (eb[k] > j || ea[k] >= n1)
                {
                    continue;
                }

                int ru = Find(parent, edges[k].U);
                int rv = Find(parent, edges[k].V);
                if (ru == rv)
                {
                    bars.Add((1, ea[k], int.MaxValue));
                    continue;
                }

                // Elder rule: the younger component (later birth, then larger id) dies.
                (int old, int young) = birth[ru] < birth[rv] || (birth[ru] == birth[rv] && ru < rv) ? (ru, rv) : (rv, ru);
                bars.Add((0, birth[young], ea[k]));
                parent[young] = old;
            }

            for (int v = 0; v < n; v++)
            {
                if (parent[v] == v)
                {
                    bars.Add((0, birth[v], int.MaxValue));
                }
            }

            foreach ((int dim, int bb, int dd) in bars)
            {
                int e = dd == int.MaxValue ? (zeroPad ? n1 - 1 : n1) : dd;
                if (e > bb)
                {
                    FunctionRipsBifiltration.AddRectangleCorner(measures[dim], bb, e, j, n1, n2);
                }
            }
        }

        return measures;
    }

    private static int Find(int[] parent, int x)
    {
        while (parent[x] != x)
        {
            parent[x] = parent[parent[x]];
            x = parent[x];
        }

        return x;
    }

    /// <summary>Euler signed measure: +δ at each node's grade, −δ at each edge's grade (inside the grid).</summary>
    /// <param name="g1">Grid of f1.</param>
    /// <param name="g2">Grid of f2.</param>
    /// <returns>The measure.</returns>
    public SignedMeasure EulerSignedMeasure(FiltrationGrid g1, FiltrationGrid g2)
    {
        ArgumentNullException.ThrowIfNull(g1);
        ArgumentNullException.ThrowIfNull(g2);
        var m = new SignedMeasure(g1.Count, g2.Count);
        for (int v = 0; v < Graph.NodeCount; v++)
        {
            AddIfInside(m, g1.Snap(_f1[v]), g2.Snap(_f2[v]), 1);
        }

        foreach ((int u, int v) in Graph.Edges)
        {
            AddIfInside(m, g1.Snap(Math.Max(_f1[u], _f1[v])), g2.Snap(Math.Max(_f2[u], _f2[v])), -1);
        }

        return m;
    }

    private static void AddIfInside(SignedMeasure m, int i, int j, int w)
    {
        if (i < m.Rows && j < m.Columns)
        {
            m.Add(i, j, w);
        }
    }
}
