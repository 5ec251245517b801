using System.Runtime.InteropServices;

namespace Pipelines.Numerics.Topology;

/// <summary>
/// Persistent cohomology of a Vietoris–Rips filtration over Z/2 with implicit coboundaries (simplices are ids in the
/// combinatorial number system, cofacets enumerated on the fly), clearing, apparent and emergent pairs, and
/// union-find for H0. Ideas from Bauer, "Ripser: efficient computation of Vietoris–Rips persistence barcodes"
/// (J. Appl. Comput. Topol. 2021; MIT-licensed reference implementation), re-implemented here.
/// </summary>
internal sealed class RipsReducer
{
    private readonly DistanceMatrix? _d;
    private readonly int _n;
    private readonly int _maxDim;
    private readonly BinomialTable _binomial;
    private readonly List<PersistencePair> _pairs = [];
    private readonly EntryHeap _heap = new();
    private readonly List<SimplexEntry> _cofacetBuffer = [];
    private readonly int[] _vertices;
    private readonly long[] _above;
    private readonly long[] _below;
    private readonly int[] _cursor;
    private readonly float[] _toNew;
    private readonly int[] _searchCursor;
    private readonly float[] _searchToNew;
    private readonly CancellationToken _cancellation;

    // The Rips graph (RipsGraph's rows): cofacets are found by merging the rows of a simplex's vertices (sequential
    // reads) instead of looking distances up in the n × n matrix (a cache miss each once it outgrows the cache).
    private readonly RipsGraph _graph;
    private readonly int[] _rowStart;
    private readonly int[] _adjacent;
    private readonly float[] _adjacentDistance;

    /// <summary>Reduces the Rips filtration of a distance matrix up to <paramref name="threshold"/>.</summary>
    public RipsReducer(DistanceMatrix distances, float threshold, int maxDimension, CancellationToken cancellation = default)
        : this(RipsGraph.FromDistances(distances, threshold, RipsGraph.Degrees(distances, threshold)), distances, maxDimension, cancellation)
    {
    }

    /// <summary>Reduces the flag filtration of a Rips graph; <paramref name="distances"/> (optional) answers d(i, j) faster than the rows.</summary>
    public RipsReducer(RipsGraph graph, DistanceMatrix? distances, int maxDimension, CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        _graph = graph;
        _d = distances;
        _n = graph.Count;
        _maxDim = maxDimension;
        _binomial = new BinomialTable(Math.Max(_n, 1), maxDimension + 3);
        _vertices = new int[maxDimension + 3];
        _above = new long[maxDimension + 4];
        _below = new long[maxDimension + 4];
        _cursor = new int[maxDimension + 3];
        _toNew = new float[maxDimension + 3];
        _searchCursor = new int[maxDimension + 3];
        _searchToNew = new float[maxDimension + 3];
        _rowStart = graph.RowStart;
        _adjacent = graph.Adjacent;
        _adjacentDistance = graph.Distance;
    }

    public List<PersistencePair> Compute()
    {
        _pairs.Clear();
        if (_n == 0)
        {
            return _pairs;
        }

        List<SimplexEntry> columns = ComputeDimension0(out ulong[] edgeKeys);
        List<SimplexEntry> simplices = _maxDim >= 2 ? [.. edgeKeys.Select(EdgeOf)] : [];
        for (int dim = 1; dim <= _maxDim; dim++)
        {
            var pivots = new Dictionary<long, int>(columns.Count);
            ComputePairs(columns, pivots, dim);
            if (dim < _maxDim)
            {
                (simplices, columns) = AssembleColumns(simplices, pivots, dim + 1);
            }
        }

        return _pairs;
    }

    /// <summary>
    /// The edges as sort keys: diameter bits above (non-negative floats order as their bits), the complement of the id
    /// below (edge {i &gt; j} has id C(i, 2) + C(j, 1) = i(i − 1)/2 + j &lt; 2³¹, one array holds the triangle), so
    /// ascending keys are the filtration order (diameter ascending, larger id first).
    /// </summary>
    private ulong[] EdgeKeys()
    {
        var keys = new ulong[_graph.EdgeCount];
        int e = 0;
        for (int i = 1; i < _n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int p = _rowStart[i + 1] - 1; p >= _rowStart[i] && _adjacent[p] < i; p--)
            {
                keys[e++] = EdgeKey(_adjacentDistance[p], row + _adjacent[p]);
            }
        }

        return keys;
    }

    private static ulong EdgeKey(float diameter, long index) =>
        ((ulong)(diameter == 0f ? 0u : BitConverter.SingleToUInt32Bits(diameter)) << 32) | (uint.MaxValue - (uint)index);

    private static SimplexEntry EdgeOf(ulong key) => new(BitConverter.UInt32BitsToSingle((uint)(key >> 32)), uint.MaxValue - (uint)key);

    private List<SimplexEntry> ComputeDimension0(out ulong[] sorted)
    {
        sorted = EdgeKeys();
        Array.Sort(sorted);
        var parent = new int[_n];
        for (int i = 0; i < _n; i++)
        {
            parent[i] = i;
        }

        var columns = new List<SimplexEntry>();
        Span<int> v = stackalloc int[2];
        foreach (ulong key in sorted)
        {
            SimplexEntry e = EdgeOf(key);
            Decode(e.Index, 1, v);
            int a = Find(parent, v[0]);
            int b = Find(parent, v[1]);
            if (a != b)
            {
                // Elder rule: every vertex is born at 0, so the merge kills a class [0, diam e).
                parent[Math.Max(a, b)] = Math.Min(a, b);
                if (e.Diameter > 0f)
                {
                    _pairs.Add(new PersistencePair(0, 0f, e.Diameter));
                }
            }
            else if (_maxDim >= 1 && !HasZeroApparentCofacet(v, e.Diameter, 1))
            {
                columns.Add(e);
            }
        }

        for (int i = 0; i < _n; i++)
        {
            if (Find(parent, i) == i)
            {
                _pairs.Add(new PersistencePair(0, 0f, float.PositiveInfinity));
            }
        }

        columns.Reverse();
        return columns;
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

    private (List<SimplexEntry> Simplices, List<SimplexEntry> Columns) AssembleColumns(List<SimplexEntry> simplices, Dictionary<long, int> pivots, int dim)
    {
        // Each dim-simplex is generated once: from its facet without its top vertex (cofacets above the top vertex only).
        var next = new List<SimplexEntry>();
        var columns = new List<SimplexEntry>();
        bool keep = dim < _maxDim;
        foreach (SimplexEntry s in simplices)
        {
            _cofacetBuffer.Clear();
            EnumerateCofacets(s, dim - 1, topOnly: true, _cofacetBuffer);
            foreach (SimplexEntry c in _cofacetBuffer)
            {
                if (keep)
                {
                    next.Add(c);
                }

                if (!pivots.ContainsKey(c.Index) && !HasZeroApparentCofacet(c, dim) && ZeroApparentFacet(c, dim) < 0)
                {
                    columns.Add(c);
                }
            }
        }

        SimplexEntry[] sorted = [.. columns];
        Array.Sort(sorted, default(ReverseFiltrationComparer));
        return (next, [.. sorted]);
    }

    private bool HasZeroApparentCofacet(SimplexEntry s, int dim)
    {
        Span<int> u = stackalloc int[dim + 1];
        Decode(s.Index, dim, u);
        return HasZeroApparentCofacet(u, s.Diameter, dim);
    }

    private void ComputePairs(List<SimplexEntry> columns, Dictionary<long, int> pivots, int dim)
    {
        var reductions = new long[]?[columns.Count];
        var work = new List<long>();
        for (int c = 0; c < columns.Count; c++)
        {
            if ((c & 1023) == 0)
            {
                _cancellation.ThrowIfCancellationRequested();
            }

            SimplexEntry sigma = columns[c];
            work.Clear();
            _heap.Clear();
            SimplexEntry? pivot = InitCoboundaryAndGetPivot(sigma, dim, pivots);
            while (true)
            {
                if (pivot is not { } p)
                {
                    _pairs.Add(new PersistencePair(dim, sigma.Diameter, float.PositiveInfinity));
                    break;
                }

                if (pivots.TryGetValue(p.Index, out int other))
                {
                    SimplexEntry owner = columns[other];
                    work.Add(owner.Index);
                    PushCoboundary(owner, dim);
                    if (reductions[other] is { } r)
                    {
                        foreach (long s in r)
                        {
                            work.Add(s);
                            PushCoboundary(new SimplexEntry(Diameter(s, dim), s), dim);
                        }
                    }

                    pivot = _heap.Pivot();
                }
                else if (ZeroApparentFacet(p, dim + 1) is var e and >= 0)
                {
                    // The apparent column of e is its unreduced coboundary.
                    work.Add(e);
                    PushCoboundary(new SimplexEntry(p.Diameter, e), dim);
                    pivot = _heap.Pivot();
                }
                else
                {
                    if (p.Diameter > sigma.Diameter)
                    {
                        _pairs.Add(new PersistencePair(dim, sigma.Diameter, p.Diameter));
                    }

                    pivots[p.Index] = c;
                    reductions[c] = Consolidate(work);
                    break;
                }
            }
        }
    }

    private static long[]? Consolidate(List<long> work)
    {
        if (work.Count == 0)
        {
            return null;
        }

        Span<long> s = CollectionsMarshal.AsSpan(work);
        s.Sort();
        var kept = new List<long>(s.Length);
        int i = 0;
        while (i < s.Length)
        {
            int j = i;
            while (j < s.Length && s[j] == s[i])
            {
                j++;
            }

            if (((j - i) & 1) == 1)
            {
                kept.Add(s[i]);
            }

            i = j;
        }

        return kept.Count == 0 ? null : [.. kept];
    }

    private SimplexEntry? InitCoboundaryAndGetPivot(SimplexEntry sigma, int dim, Dictionary<long, int> pivots)
    {
        // Emergent pair: the oldest cofacet with sigma's diameter is nobody's pivot yet. Found during the
        // enumeration, it ends it: the rest of the coboundary is never built (as in Ripser).
        _cofacetBuffer.Clear();
        if (EnumerateCofacets(sigma, dim, topOnly: false, _cofacetBuffer, pivots) is { } emergent)
        {
            return emergent;
        }

        foreach (SimplexEntry c in _cofacetBuffer)
        {
            _heap.Push(c);
        }

        return _heap.Pivot();
    }

    private void PushCoboundary(SimplexEntry s, int dim)
    {
        _cofacetBuffer.Clear();
        EnumerateCofacets(s, dim, topOnly: false, _cofacetBuffer);
        foreach (SimplexEntry c in _cofacetBuffer)
        {
            _heap.Push(c);
        }
    }

    /// <summary>Writes the vertices of simplex <paramref name="index"/> of dimension <paramref name="dim"/> in descending order.</summary>
    private void Decode(long index, int dim, Span<int> vertices)
    {
        int top = _n - 1;
        for (int k = dim + 1; k >= 3; k--)
        {
            // Largest v ≤ top with C(v, k) ≤ index.
            int lo = k - 1;
            int hi = top;
            while (lo < hi)
            {
                int mid = (lo + hi + 1) >> 1;
                if (_binomial[mid, k] <= index)
                {
                    lo = mid;
                }
                else
                {
                    hi = mid - 1;
                }
            }

            vertices[dim + 1 - k] = lo;
            index -= _binomial[lo, k];
            top = lo - 1;
        }

        if (dim >= 1)
        {
            // Largest v with v(v − 1)/2 ≤ index, from the square root (then corrected for rounding).
            int v = (int)((1.0 + Math.Sqrt(1.0 + (8.0 * index))) / 2.0);
            while (((long)v * (v - 1)) >> 1 > index)
            {
                v--;
            }

            while (((long)(v + 1) * v) >> 1 <= index)
            {
                v++;
            }

            vertices[dim - 1] = v;
            index -= ((long)v * (v - 1)) >> 1;
        }

        vertices[dim] = (int)index;
    }

    private float Distance(int i, int j) => _d is { } d ? d[i, j] : _graph[i, j];

    private float Diameter(long index, int dim)
    {
        Span<int> v = _vertices.AsSpan(0, dim + 1);
        Decode(index, dim, v);
        float diam = 0f;
        for (int i = 0; i < v.Length; i++)
        {
            for (int j = i + 1; j < v.Length; j++)
            {
                diam = MathF.Max(diam, Distance(v[i], v[j]));
            }
        }

        return diam;
    }

    /// <summary>Puts a cursor at the start of the row of every vertex of <paramref name="u"/>; returns the position of the shortest row.</summary>
    private int OpenRows(ReadOnlySpan<int> u, int[] cursor)
    {
        int shortest = 0;
        for (int i = 0; i < u.Length; i++)
        {
            cursor[i] = _rowStart[u[i]];
            if (_rowStart[u[i] + 1] - _rowStart[u[i]] < _rowStart[u[shortest] + 1] - _rowStart[u[shortest]])
            {
                shortest = i;
            }
        }

        return shortest;
    }

    /// <summary>
    /// Advances the cursors of every row but <paramref name="skip"/>'s to vertex <paramref name="v"/>: 1 when v is in
    /// all of them (its distances written to <paramref name="toNew"/>), 0 when missing from one, −1 when a row is
    /// exhausted (no later, smaller vertex can be common either).
    /// </summary>
    private int Advance(ReadOnlySpan<int> u, int skip, int v, int[] cursor, float[] toNew)
    {
        for (int i = 0; i < u.Length; i++)
        {
            if (i == skip)
            {
                continue;
            }

            int c = cursor[i];
            int end = _rowStart[u[i] + 1];
            while (c < end && _adjacent[c] > v)
            {
                c++;
            }

            cursor[i] = c;
            if (c == end)
            {
                return -1;
            }

            if (_adjacent[c] != v)
            {
                return 0;
            }

            toNew[i] = _adjacentDistance[c];
        }

        return 1;
    }

    /// <summary>
    /// Appends the cofacets of <paramref name="s"/> (dimension <paramref name="dim"/>) with diameter ≤ threshold, in
    /// descending id order. With <paramref name="topOnly"/>, only cofacets whose new vertex is above all of s's.
    /// With <paramref name="emergentPivots"/>, the first cofacet of s's own diameter is tested for an emergent pair
    /// (no pivot yet, no zero-apparent facet): when it is one, the enumeration stops and returns it.
    /// </summary>
    private SimplexEntry? EnumerateCofacets(SimplexEntry s, int dim, bool topOnly, List<SimplexEntry> output, Dictionary<long, int>? emergentPivots = null)
    {
        Span<int> u = _vertices.AsSpan(0, dim + 1);
        Decode(s.Index, dim, u);

        // above[a] = Σ_{i<a} C(u_i, dim + 2 − i) (shifted up), below[a] = Σ_{i≥a} C(u_i, dim + 1 − i).
        _above[0] = 0;
        for (int i = 0; i <= dim; i++)
        {
            _above[i + 1] = _above[i] + _binomial[u[i], dim + 2 - i];
        }

        _below[dim + 1] = 0;
        for (int i = dim; i >= 0; i--)
        {
            _below[i] = _below[i + 1] + _binomial[u[i], dim + 1 - i];
        }

        int k = OpenRows(u, _cursor);
        int end = _rowStart[u[k] + 1];
        int a = 0;
        for (int p = _rowStart[u[k]]; p < end; p++)
        {
            int v = _adjacent[p];
            while (a <= dim && u[a] > v)
            {
                a++;
            }

            if (topOnly && a > 0)
            {
                break;
            }

            int found = Advance(u, k, v, _cursor, _toNew);
            if (found < 0)
            {
                break;
            }

            if (found == 0)
            {
                continue;
            }

            _toNew[k] = _adjacentDistance[p];
            float diam = s.Diameter;
            for (int i = 0; i <= dim; i++)
            {
                diam = MathF.Max(diam, _toNew[i]);
            }

            // v sits at position dim + 1 − a (from the bottom) of the cofacet.
            var cofacet = new SimplexEntry(diam, _above[a] + _binomial[v, dim + 2 - a] + _below[a]);
            if (emergentPivots is not null && diam == s.Diameter)
            {
                if (!emergentPivots.ContainsKey(cofacet.Index) && ZeroApparentFacet(cofacet, dim + 1) < 0)
                {
                    return cofacet;
                }

                emergentPivots = null;
            }

            output.Add(cofacet);
        }

        return null;
    }

    /// <summary>
    /// The largest vertex v ∉ u above <paramref name="floor"/> adjacent to every vertex of u with all distances ≤
    /// <paramref name="diameter"/> (so u ∪ {v} is the oldest cofacet of u's diameter), its distances in
    /// <see cref="_searchToNew"/>; −1 when there is none.
    /// </summary>
    private int ZeroPivotCofacetVertex(ReadOnlySpan<int> u, float diameter, int floor)
    {
        int k = OpenRows(u, _searchCursor);
        int end = _rowStart[u[k] + 1];
        for (int p = _rowStart[u[k]]; p < end; p++)
        {
            int v = _adjacent[p];
            if (v <= floor)
            {
                return -1;
            }

            if (_adjacentDistance[p] > diameter)
            {
                continue;
            }

            int found = Advance(u, k, v, _searchCursor, _searchToNew);
            if (found < 0)
            {
                return -1;
            }

            if (found == 0)
            {
                continue;
            }

            _searchToNew[k] = _adjacentDistance[p];
            bool same = true;
            for (int i = 0; i < u.Length; i++)
            {
                same &= _searchToNew[i] <= diameter;
            }

            if (same)
            {
                return v;
            }
        }

        return -1;
    }

    /// <summary>
    /// Whether the simplex u (vertices descending, dimension <paramref name="dim"/>) of diameter
    /// <paramref name="diameter"/> has a zero-apparent cofacet t: t is u's oldest cofacet of the same diameter and
    /// u is t's youngest facet of that diameter, so (u, t) is a zero-persistence pair and u is no column.
    /// </summary>
    private bool HasZeroApparentCofacet(ReadOnlySpan<int> u, float diameter, int dim)
    {
        int v = ZeroPivotCofacetVertex(u, diameter, -1);
        if (v < 0)
        {
            return false;
        }

        // t's zero-pivot facet drops its vertices from the largest down; u (drop v) must come first, so dropping
        // any vertex above v must lower the diameter.
        for (int i = 0; i <= dim && u[i] > v; i++)
        {
            float rest = 0f;
            for (int a = 0; a <= dim; a++)
            {
                if (a == i)
                {
                    continue;
                }

                rest = MathF.Max(rest, _searchToNew[a]);
                for (int b = a + 1; b <= dim; b++)
                {
                    if (b != i)
                    {
                        rest = MathF.Max(rest, Distance(u[a], u[b]));
                    }
                }
            }

            if (rest == diameter)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>
    /// The zero-apparent facet of t (dimension <paramref name="dim"/>): its youngest facet f of the same diameter when
    /// t is f's oldest cofacet of that diameter; −1 when t has none.
    /// </summary>
    private long ZeroApparentFacet(SimplexEntry t, int dim)
    {
        // t has dimension dim; remove its vertices from the largest down: facet ids come out ascending.
        Span<int> w = stackalloc int[dim + 1];
        Decode(t.Index, dim, w);
        for (int j = 0; j <= dim; j++)
        {
            float diam = 0f;
            for (int p = 0; p <= dim; p++)
            {
                if (p == j)
                {
                    continue;
                }

                for (int q = p + 1; q <= dim; q++)
                {
                    if (q != j)
                    {
                        diam = MathF.Max(diam, Distance(w[p], w[q]));
                    }
                }
            }

            if (diam == t.Diameter)
            {
                Span<int> f = stackalloc int[dim];
                long id = 0;
                int pos = dim - 1;
                for (int p = 0, q = 0; p <= dim; p++)
                {
                    if (p != j)
                    {
                        f[q++] = w[p];
                        id += _binomial[w[p], pos + 1];
                        pos--;
                    }
                }

                // t is f's oldest same-diameter cofacet unless a larger vertex than w[j] also completes f within it.
                return ZeroPivotCofacetVertex(f, t.Diameter, w[j]) < 0 ? id : -1;
            }
        }

        return -1;
    }
}
