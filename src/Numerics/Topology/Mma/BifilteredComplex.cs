namespace Pipelines.Numerics.Topology;

/// <summary>
/// A 1-critical bifiltered complex as MMA pushes it onto lines: vertices with grades (x_v, y_v), edges with grades
/// (x_e, y_e) ≥ both endpoints' grades, and either the flag (Rips) expansion of the edges (a simplex enters at the
/// componentwise max of its vertices' and edges' grades) or the graph itself (dimension 1).
/// </summary>
/// <remarks>
/// On the slope-1 line x₂ = x₁ + c, parameterised by its first coordinate s, a simplex of grade (x, y) enters at
/// s = max(x, y − c). Moving the line up by δ lowers every entry value by at most δ, never raises it.
/// </remarks>
internal sealed class BifilteredComplex
{
    private readonly float[] _vx;
    private readonly float[] _vy;
    private readonly (int U, int V)[] _edges;
    private readonly float[] _ex;
    private readonly float[] _ey;

    // Flag complexes: the graph's rows, shared by every line (each line only puts its own edge values in).
    private readonly RipsGraph? _graph;
    private readonly int[] _edgeOfSlot = [];

    // Set when edges were collapsed away: the bounds are the whole complex's, not recomputed from the kept edges.
    private readonly bool _wholeBounds;

    private BifilteredComplex(float[] vx, float[] vy, (int U, int V)[] edges, float[] ex, float[] ey, bool flag, MeasureBox? bounds = null)
    {
        _vx = vx;
        _vy = vy;
        _edges = edges;
        _ex = ex;
        _ey = ey;
        IsFlag = flag;
        if (flag)
        {
            _graph = RipsGraph.FromEdges(vx.Length, edges, out _edgeOfSlot);
        }

        float lo1 = float.PositiveInfinity, hi1 = float.NegativeInfinity, lo2 = float.PositiveInfinity, hi2 = float.NegativeInfinity;
        for (int v = 0; v < vx.Length; v++)
        {
            lo1 = MathF.Min(lo1, vx[v]);
            hi1 = MathF.Max(hi1, vx[v]);
            lo2 = MathF.Min(lo2, vy[v]);
            hi2 = MathF.Max(hi2, vy[v]);
        }

        for (int e = 0; e < ex.Length; e++)
        {
            hi1 = MathF.Max(hi1, ex[e]);
            hi2 = MathF.Max(hi2, ey[e]);
        }

        _wholeBounds = bounds is not null;
        Bounds = bounds ?? (vx.Length == 0 ? new MeasureBox(0f, 0f, 0f, 0f) : new MeasureBox(lo1, hi1, lo2, hi2));
    }

    /// <summary>Gets the number of vertices.</summary>
    public int VertexCount => _vx.Length;

    /// <summary>Gets the number of edges.</summary>
    public int EdgeCount => _edges.Length;

    /// <summary>Gets a value indicating whether higher simplices are the flag expansion (Rips) or absent (graphs).</summary>
    public bool IsFlag { get; }

    /// <summary>Gets the bounding box of all grades.</summary>
    public MeasureBox Bounds { get; }

    /// <summary>
    /// The function-Rips complex: vertex v at (0, c(v)), edge uv (≤ threshold) at (d(u, v), max(c(u), c(v))). With
    /// <paramref name="collapse"/>, strongly filtration-dominated edges are removed first
    /// (<see cref="FiltrationDomination"/>, on the ranks of the exact edge lengths and vertex values: domination only
    /// compares grades): the persistence module is the same up to isomorphism, so every line's barcode is the same,
    /// from fewer edges and far fewer triangles.
    /// </summary>
    public static BifilteredComplex FromFunctionRips(FunctionRipsBifiltration f, bool collapse = false)
    {
        int n = f.Distances.Count;
        var vx = new float[n];
        float[] vy = f.VertexFunction.ToArray();
        var edges = new List<(int, int)>();
        var ex = new List<float>();
        var ey = new List<float>();
        for (int i = 1; i < n; i++)
        {
            for (int j = 0; j < i; j++)
            {
                float d = f.Distances[i, j];
                if (d <= f.Threshold)
                {
                    edges.Add((i, j));
                    ex.Add(d);
                    ey.Add(MathF.Max(vy[i], vy[j]));
                }
            }
        }

        float[] lengths = [.. ex.Distinct().Order()];
        if (collapse && lengths.Length < ushort.MaxValue - 1)
        {
            float[] values = [.. vy.Distinct().Order()];
            var level = new int[n];
            for (int v = 0; v < n; v++)
            {
                level[v] = Array.BinarySearch(values, vy[v]);
            }

            var lower = new float[DistanceMatrix.TriangleLength(n)];
            Array.Fill(lower, lengths.Length);
            for (int e = 0; e < edges.Count; e++)
            {
                (int i, int j) = edges[e];
                lower[(((long)i * (i - 1)) >> 1) + j] = Array.BinarySearch(lengths, ex[e]);
            }

            FiltrationDomination.Collapse(lower, level, lengths.Length);
            var kept = new List<int>();
            for (int e = 0; e < edges.Count; e++)
            {
                (int i, int j) = edges[e];
                if (lower[(((long)i * (i - 1)) >> 1) + j] < lengths.Length)
                {
                    kept.Add(e);
                }
            }

            // The bounds (and so the line family) stay those of the whole complex.
            MeasureBox whole = new BifilteredComplex(vx, vy, [.. edges], [.. ex], [.. ey], flag: false).Bounds;
            return new BifilteredComplex(vx, vy, [.. kept.Select(e => edges[e])], [.. kept.Select(e => ex[e])], [.. kept.Select(e => ey[e])], flag: true, whole);
        }

        return new BifilteredComplex(vx, vy, [.. edges], [.. ex], [.. ey], flag: true);
    }

    /// <summary>The lower-star graph complex: node v at (f1(v), f2(v)), edge uv at the max of its endpoints.</summary>
    public static BifilteredComplex FromGraph(GraphBifiltration g)
    {
        float[] vx = g.F1.ToArray();
        float[] vy = g.F2.ToArray();
        ReadOnlySpan<(int U, int V)> edges = g.Graph.Edges;
        var ex = new float[edges.Length];
        var ey = new float[edges.Length];
        for (int k = 0; k < edges.Length; k++)
        {
            ex[k] = MathF.Max(vx[edges[k].U], vx[edges[k].V]);
            ey[k] = MathF.Max(vy[edges[k].U], vy[edges[k].V]);
        }

        return new BifilteredComplex(vx, vy, edges.ToArray(), ex, ey, flag: false);
    }

    /// <summary>
    /// The same complex with every grade mapped affinely by <paramref name="box"/> (x ↦ box.U(x), y ↦ box.V(y)), so
    /// that the box becomes the unit square.
    /// </summary>
    public BifilteredComplex Normalized(MeasureBox box)
    {
        static float[] Map(float[] a, Func<float, float> f) => [.. a.Select(f)];
        return new BifilteredComplex(Map(_vx, box.U), Map(_vy, box.V), _edges, Map(_ex, box.U), Map(_ey, box.V), IsFlag, _wholeBounds ? new MeasureBox(box.U(Bounds.Lo1), box.U(Bounds.Hi1), box.V(Bounds.Lo2), box.V(Bounds.Hi2)) : null);
    }

    /// <summary>
    /// The barcode of the complex pushed onto the line x₂ = x₁ + <paramref name="offset"/>, in the line's first
    /// coordinate s: H0 by union-find with the elder rule (vertices are born at their own s), H1 of a graph as one
    /// essential bar per cycle-closing edge, and H1..H<paramref name="maxDegree"/> of a flag complex by the Rips
    /// cohomology reducer on the weighted edge values (its H0, which assumes vertices born at 0, is discarded: the
    /// pairing of edges of degree ≥ 1 only depends on the edge order). Zero-length bars are dropped.
    /// </summary>
    /// <returns>Bars per degree 0..maxDegree, each sorted by (birth, death).</returns>
    public LineBar[][] LineBarcode(float offset, int maxDegree)
    {
        int n = _vx.Length;
        var bars = new List<LineBar>[maxDegree + 1];
        for (int d = 0; d <= maxDegree; d++)
        {
            bars[d] = [];
        }

        if (n == 0)
        {
            return [.. bars.Select(static b => b.ToArray())];
        }

        var sv = new float[n];
        for (int v = 0; v < n; v++)
        {
            sv[v] = MathF.Max(_vx[v], _vy[v] - offset);
        }

        var se = new float[_edges.Length];
        for (int e = 0; e < se.Length; e++)
        {
            se[e] = MathF.Max(_ex[e], _ey[e] - offset);
        }

        int[] order = [.. Enumerable.Range(0, se.Length)];
        Array.Sort(order, (a, b) => se[a] != se[b] ? se[a].CompareTo(se[b]) : a.CompareTo(b));
        var parent = new int[n];
        for (int v = 0; v < n; v++)
        {
            parent[v] = v;
        }

        foreach (int e in order)
        {
            int ru = Find(parent, _edges[e].U);
            int rv = Find(parent, _edges[e].V);
            if (ru == rv)
            {
                if (!IsFlag && maxDegree >= 1)
                {
                    bars[1].Add(new LineBar(se[e], float.PositiveInfinity));
                }

                continue;
            }

            // Elder rule: the younger root (later birth, then larger id) dies at this edge.
            (int old, int young) = sv[ru] < sv[rv] || (sv[ru] == sv[rv] && ru < rv) ? (ru, rv) : (rv, ru);
            if (se[e] > sv[young])
            {
                bars[0].Add(new LineBar(sv[young], se[e]));
            }

            parent[young] = old;
        }

        for (int v = 0; v < n; v++)
        {
            if (parent[v] == v)
            {
                bars[0].Add(new LineBar(sv[v], float.PositiveInfinity));
            }
        }

        if (IsFlag && maxDegree >= 1)
        {
            // Shift so every value is ≥ 0 (the reducer measures facets from 0); the graph's rows are shared by all lines.
            float shift = sv.Min();
            var values = new float[_edgeOfSlot.Length];
            for (int p = 0; p < values.Length; p++)
            {
                values[p] = se[_edgeOfSlot[p]] - shift;
            }

            foreach (PersistencePair p in new RipsReducer(_graph!.WithDistances(values), null, maxDegree).Compute())
            {
                if (p.Dimension >= 1)
                {
                    bars[p.Dimension].Add(new LineBar(p.Birth + shift, p.Death + shift));
                }
            }
        }

        var result = new LineBar[maxDegree + 1][];
        for (int d = 0; d <= maxDegree; d++)
        {
            LineBar[] a = [.. bars[d]];
            Array.Sort(a, static (x, y) => x.Birth != y.Birth ? x.Birth.CompareTo(y.Birth) : x.Death.CompareTo(y.Death));
            result[d] = a;
        }

        return result;
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
}
