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
    private readonly DistanceMatrix _d;
    private readonly int _n;
    private readonly float _threshold;
    private readonly int _maxDim;
    private readonly BinomialTable _binomial;
    private readonly int[][] _neighbors;
    private readonly List<PersistencePair> _pairs = [];
    private readonly EntryHeap _heap = new();
    private readonly List<SimplexEntry> _cofacetBuffer = [];
    private readonly int[] _vertices;
    private readonly int[] _cofacetVertices;
    private readonly long[] _above;
    private readonly long[] _below;
    private readonly CancellationToken _cancellation;

    public RipsReducer(DistanceMatrix distances, float threshold, int maxDimension, CancellationToken cancellation = default)
    {
        _cancellation = cancellation;
        _d = distances;
        _n = distances.Count;
        _threshold = threshold;
        _maxDim = maxDimension;
        _binomial = new BinomialTable(Math.Max(_n, 1), maxDimension + 3);
        _vertices = new int[maxDimension + 3];
        _cofacetVertices = new int[maxDimension + 3];
        _above = new long[maxDimension + 4];
        _below = new long[maxDimension + 4];
        _neighbors = BuildNeighbors();
    }

    public List<PersistencePair> Compute()
    {
        _pairs.Clear();
        if (_n == 0)
        {
            return _pairs;
        }

        var edges = new List<SimplexEntry>();
        List<SimplexEntry> columns = ComputeDimension0(edges);
        List<SimplexEntry> simplices = edges;
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

    private int[][] BuildNeighbors()
    {
        var lists = new List<int>[_n];
        for (int i = 0; i < _n; i++)
        {
            lists[i] = [];
        }

        // Descending vertex order, so cofacet ids come out in descending order.
        for (int i = _n - 1; i >= 0; i--)
        {
            for (int j = _n - 1; j >= 0; j--)
            {
                if (j != i && _d[i, j] <= _threshold)
                {
                    lists[i].Add(j);
                }
            }
        }

        var result = new int[_n][];
        for (int i = 0; i < _n; i++)
        {
            result[i] = [.. lists[i]];
        }

        return result;
    }

    private List<SimplexEntry> ComputeDimension0(List<SimplexEntry> edges)
    {
        ReadOnlySpan<float> lower = _d.Lower;
        for (int i = 1; i < _n; i++)
        {
            long row = ((long)i * (i - 1)) >> 1;
            for (int j = 0; j < i; j++)
            {
                float w = lower[(int)(row + j)];
                if (w <= _threshold)
                {
                    // Edge {i > j} has id C(i, 2) + C(j, 1) = i(i − 1)/2 + j.
                    edges.Add(new SimplexEntry(w, row + j));
                }
            }
        }

        SimplexEntry[] sorted = [.. edges];
        Array.Sort(sorted, default(FiltrationComparer));
        var parent = new int[_n];
        for (int i = 0; i < _n; i++)
        {
            parent[i] = i;
        }

        var columns = new List<SimplexEntry>();
        Span<int> v = stackalloc int[2];
        foreach (SimplexEntry e in sorted)
        {
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
            else if (_maxDim >= 1 && ZeroApparentCofacet(e, 1) < 0)
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

                if (!pivots.ContainsKey(c.Index) && ZeroApparentCofacet(c, dim) < 0 && ZeroApparentFacet(c, dim) < 0)
                {
                    columns.Add(c);
                }
            }
        }

        SimplexEntry[] sorted = [.. columns];
        Array.Sort(sorted, default(ReverseFiltrationComparer));
        return (next, [.. sorted]);
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
        for (int k = dim + 1; k >= 1; k--)
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
    }

    private float Diameter(long index, int dim)
    {
        Span<int> v = _vertices.AsSpan(0, dim + 1);
        Decode(index, dim, v);
        float diam = 0f;
        for (int i = 0; i < v.Length; i++)
        {
            for (int j = i + 1; j < v.Length; j++)
            {
                diam = MathF.Max(diam, _d[v[i], v[j]]);
            }
        }

        return diam;
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

        int[] candidates = _neighbors[u[0]];
        for (int i = 1; i <= dim; i++)
        {
            if (_neighbors[u[i]].Length < candidates.Length)
            {
                candidates = _neighbors[u[i]];
            }
        }

        int a = 0;
        foreach (int v in candidates)
        {
            while (a <= dim && u[a] > v)
            {
                a++;
            }

            if (topOnly && a > 0)
            {
                break;
            }

            if (a <= dim && u[a] == v)
            {
                continue;
            }

            float diam = s.Diameter;
            bool inside = true;
            for (int i = 0; i <= dim; i++)
            {
                float w = _d[v, u[i]];
                if (w > _threshold)
                {
                    inside = false;
                    break;
                }

                diam = MathF.Max(diam, w);
            }

            if (inside)
            {
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
        }

        return null;
    }

    private long ZeroPivotCofacet(SimplexEntry s, int dim)
    {
        Span<int> u = stackalloc int[dim + 1];
        Decode(s.Index, dim, u);
        int[] candidates = _neighbors[u[0]];
        for (int i = 1; i <= dim; i++)
        {
            if (_neighbors[u[i]].Length < candidates.Length)
            {
                candidates = _neighbors[u[i]];
            }
        }

        int a = 0;
        foreach (int v in candidates)
        {
            while (a <= dim && u[a] > v)
            {
                a++;
            }

            if (a <= dim && u[a] == v)
            {
                continue;
            }

            bool same = true;
            for (int i = 0; i <= dim; i++)
            {
                if (_d[v, u[i]] > s.Diameter)
                {
                    same = false;
                    break;
                }
            }

            if (same)
            {
                // First (= largest id, oldest) cofacet with the same diameter.
                long id = 0;
                int pos = dim + 1;
                bool placed = false;
                for (int i = 0; i <= dim; i++)
                {
                    if (!placed && v > u[i])
                    {
                        id += _binomial[v, pos + 1];
                        pos--;
                        placed = true;
                    }

                    id += _binomial[u[i], pos + 1];
                    pos--;
                }

                if (!placed)
                {
                    id += _binomial[v, 1];
                }

                return id;
            }
        }

        return -1;
    }

    private long ZeroPivotFacet(SimplexEntry t, int dim)
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
                        diam = MathF.Max(diam, _d[w[p], w[q]]);
                    }
                }
            }

            if (diam == t.Diameter)
            {
                long id = 0;
                int pos = dim - 1;
                for (int p = 0; p <= dim; p++)
                {
                    if (p != j)
                    {
                        id += _binomial[w[p], pos + 1];
                        pos--;
                    }
                }

                return id;
            }
        }

        return -1;
    }

    private long ZeroApparentCofacet(SimplexEntry s, int dim)
    {
        long c = ZeroPivotCofacet(s, dim);
        return c >= 0 && ZeroPivotFacet(new SimplexEntry(s.Diameter, c), dim + 1) == s.Index ? c : -1;
    }

    private long ZeroApparentFacet(SimplexEntry t, int dim)
    {
        long f = ZeroPivotFacet(t, dim);
        return f >= 0 && ZeroPivotCofacet(new SimplexEntry(t.Diameter, f), dim - 1) == t.Index ? f : -1;
    }
}
