namespace Pipelines.Numerics.Topology;

/// <summary>
/// A finite simplicial complex with a 1-critical bifiltration on an X × Y index grid: simplex σ enters at grade
/// (x_σ, y_σ) (x = X or y = Y: never present), faces never later than cofaces. Simplices are stored in an order
/// compatible with the face relation (vertices, then edges, …) with their boundaries as indices (CSR).
/// </summary>
internal sealed class BigradedComplex
{
    private readonly int[] _dimension;
    private readonly int[] _x;
    private readonly int[] _y;
    private readonly int[] _boundaryStart;
    private readonly int[] _boundary;

    private BigradedComplex(int columns, int rows, List<int> dimension, List<int> x, List<int> y, List<int> boundaryStart, List<int> boundary)
    {
        Columns = columns;
        Rows = rows;
        _dimension = [.. dimension];
        _x = [.. x];
        _y = [.. y];
        _boundaryStart = [.. boundaryStart];
        _boundary = [.. boundary];
    }

    /// <summary>Gets X, the number of first-parameter grid values.</summary>
    public int Columns { get; }

    /// <summary>Gets Y, the number of second-parameter grid values.</summary>
    public int Rows { get; }

    /// <summary>Gets the number of simplices inside the grid.</summary>
    public int Count => _dimension.Length;

    public int Dimension(int s) => _dimension[s];

    public int X(int s) => _x[s];

    public int Y(int s) => _y[s];

    public ReadOnlySpan<int> Boundary(int s) => _boundary.AsSpan(_boundaryStart[s], _boundaryStart[s + 1] - _boundaryStart[s]);

    /// <summary>
    /// The simplices of dimension ≤ <paramref name="maxSimplexDimension"/> of the function-Rips bifiltration whose
    /// snapped grade lies inside g1 × g2 (others can never appear on a grid path and are left out).
    /// </summary>
    public static BigradedComplex FromFunctionRips(FunctionRipsBifiltration f, FiltrationGrid g1, FiltrationGrid g2, int maxSimplexDimension)
    {
        int n = f.Distances.Count;
        int nx = g1.Count;
        int ny = g2.Count;
        var builder = new Builder(nx, ny);
        var level = new int[n];
        var index = new int[n];
        int vertexX = g1.Snap(0f);
        for (int v = 0; v < n; v++)
        {
            level[v] = g2.Snap(f.VertexFunction[v]);
            index[v] = level[v] < ny && vertexX < nx ? builder.Add(0, vertexX, level[v], []) : -1;
        }

        if (maxSimplexDimension == 0)
        {
            return builder.Build();
        }

        float cut = MathF.Min(f.Threshold, g1.Max);
        var neighbors = new List<int>[n];
        for (int v = 0; v < n; v++)
        {
            neighbors[v] = [];
            if (index[v] < 0)
            {
                continue;
            }

            for (int u = v + 1; u < n; u++)
            {
                if (index[u] >= 0 && f.Distances[u, v] <= cut)
                {
                    neighbors[v].Add(u);
                }
            }
        }

        // Simplices by dimension, keyed by their sorted vertex tuple, so boundaries can be resolved.
        var ids = new Dictionary<SimplexKey, int>();
        var current = new List<(int[] Vertices, int X, int Y)>();
        for (int v = 0; v < n; v++)
        {
            if (index[v] >= 0)
            {
                ids[new SimplexKey([v])] = index[v];
                current.Add(([v], vertexX, level[v]));
            }
        }

        for (int dim = 1; dim <= maxSimplexDimension && current.Count > 0; dim++)
        {
            var next = new List<(int[] Vertices, int X, int Y)>();
            foreach ((int[] vs, int sx, int sy) in current)
            {
                // Cofaces σ ∪ {u} with u above every vertex of σ and adjacent to all of them.
                foreach (int u in neighbors[vs[0]])
                {
                    if (u <= vs[^1])
                    {
                        continue;
                    }

                    float diam = 0f;
                    bool adjacent = true;
                    foreach (int w in vs)
                    {
                        float d = f.Distances[u, w];
                        if (d > cut)
                        {
                            adjacent = false;
                            break;
                        }

                        diam = MathF.Max(diam, d);
                    }

                    if (!adjacent)
                    {
                        continue;
                    }

                    int[] cofacet = [.. vs, u];
                    int cx = Math.Max(sx, g1.Snap(diam));
                    int cy = Math.Max(sy, level[u]);
                    if (cx >= nx)
                    {
                        continue;
                    }

                    next.Add((cofacet, cx, cy));
                }
            }

            var boundary = new int[dim + 1];
            foreach ((int[] vs, int sx, int sy) in next)
            {
                for (int k = 0; k <= dim; k++)
                {
                    boundary[k] = ids[new SimplexKey([.. vs[..k], .. vs[(k + 1)..]])];
                }

                ids[new SimplexKey(vs)] = builder.Add(dim, sx, sy, boundary);
            }

            current = next;
        }

        return builder.Build();
    }

    /// <summary>The graph (vertices and edges) of a graph bifiltration, restricted to the grid.</summary>
    public static BigradedComplex FromGraph(GraphBifiltration g, FiltrationGrid g1, FiltrationGrid g2)
    {
        int n = g.Graph.NodeCount;
        var builder = new Builder(g1.Count, g2.Count);
        var index = new int[n];
        for (int v = 0; v < n; v++)
        {
            int x = g1.Snap(g.F1[v]);
            int y = g2.Snap(g.F2[v]);
            index[v] = x < g1.Count && y < g2.Count ? builder.Add(0, x, y, []) : -1;
        }

        foreach ((int u, int v) in g.Graph.Edges)
        {
            if (index[u] >= 0 && index[v] >= 0)
            {
                builder.Add(1, Math.Max(builder.X(index[u]), builder.X(index[v])), Math.Max(builder.Y(index[u]), builder.Y(index[v])), [index[u], index[v]]);
            }
        }

        return builder.Build();
    }

    /// <summary>Builds a complex from explicit simplices (faces first; boundaries as indices of earlier simplices).</summary>
    public static BigradedComplex FromSimplices(int columns, int rows, IEnumerable<(int Dimension, int X, int Y, int[] Boundary)> simplices)
    {
        var builder = new Builder(columns, rows);
        foreach ((int dim, int x, int y, int[] boundary) in simplices)
        {
            builder.Add(dim, x, y, boundary);
        }

        return builder.Build();
    }

    private sealed class Builder(int columns, int rows)
    {
        private readonly List<int> _dimension = [];
        private readonly List<int> _x = [];
        private readonly List<int> _y = [];
        private readonly List<int> _start = [0];
        private readonly List<int> _boundary = [];

        public int X(int s) => _x[s];

        public int Y(int s) => _y[s];

        public int Add(int dim, int x, int y, ReadOnlySpan<int> boundary)
        {
            _dimension.Add(dim);
            _x.Add(x);
            _y.Add(y);
            foreach (int b in boundary)
            {
                _boundary.Add(b);
            }

            _start.Add(_boundary.Count);
            return _dimension.Count - 1;
        }

        public BigradedComplex Build() => new(columns, rows, _dimension, _x, _y, _start, _boundary);
    }

    private readonly struct SimplexKey(int[] vertices) : IEquatable<SimplexKey>
    {
        private readonly int[] _vertices = vertices;

        public bool Equals(SimplexKey other) => _vertices.AsSpan().SequenceEqual(other._vertices);

        public override bool Equals(object? obj) => obj is SimplexKey k && Equals(k);

        public override int GetHashCode()
        {
            var h = default(HashCode);
            foreach (int v in _vertices)
            {
                h.Add(v);
            }

            return h.ToHashCode();
        }
    }
}
