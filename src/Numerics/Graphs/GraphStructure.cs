namespace Pipelines.Numerics.Graphs;

/// <summary>
/// The topology of an undirected graph with <c>n</c> nodes: a deduplicated list of undirected edges <c>{u, v}</c>
/// (<c>u &lt; v</c>, self-loops dropped) with positive weights, and a CSR adjacency built from it.
/// </summary>
/// <remarks>
/// Edge lists are accepted in either convention (one direction per edge, or both as PyG stores them). A pair that
/// appears several times keeps the weight of its first occurrence. Self-loops are dropped, as PyG's
/// <c>get_laplacian</c> does before building the Laplacian.
/// </remarks>
public sealed class GraphStructure
{
    private readonly int[] _rowStart;
    private readonly int[] _neighbors;
    private readonly double[] _neighborWeights;
    private readonly (int U, int V)[] _pairs;

    /// <summary>Builds a graph from parallel source/target arrays (and optional weights, default 1).</summary>
    /// <param name="nodeCount">Number of nodes <c>n</c> (may be 0).</param>
    /// <param name="sources">Edge sources, each in <c>[0, n)</c>.</param>
    /// <param name="targets">Edge targets, each in <c>[0, n)</c>; same length as <paramref name="sources"/>.</param>
    /// <param name="weights">Positive finite edge weights, empty for all ones.</param>
    /// <exception cref="ArgumentOutOfRangeException">A count is negative, an index is outside <c>[0, n)</c> or a weight is not positive and finite.</exception>
    /// <exception cref="ArgumentException">The arrays have different lengths.</exception>
    public GraphStructure(int nodeCount, ReadOnlySpan<int> sources, ReadOnlySpan<int> targets, ReadOnlySpan<double> weights = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        if (sources.Length != targets.Length)
        {
            throw new ArgumentException($"Edge arrays differ in length: {sources.Length} sources, {targets.Length} targets.", nameof(targets));
        }

        if (!weights.IsEmpty && weights.Length != sources.Length)
        {
            throw new ArgumentException($"Edge weights have length {weights.Length}, expected {sources.Length}.", nameof(weights));
        }

        var seen = new Dictionary<long, int>();
        var us = new List<int>();
        var vs = new List<int>();
        var ws = new List<double>();
        for (int e = 0; e < sources.Length; e++)
        {
            int s = sources[e];
            int t = targets[e];
            if ((uint)s >= (uint)nodeCount || (uint)t >= (uint)nodeCount)
            {
                throw new ArgumentOutOfRangeException(nameof(sources), $"Edge {e} ({s}, {t}) names a node outside [0, {nodeCount}).");
            }

            double w = weights.IsEmpty ? 1.0 : weights[e];
            if (!(w > 0) || double.IsInfinity(w))
            {
                throw new ArgumentOutOfRangeException(nameof(weights), $"Edge {e} ({s}, {t}) has weight {w}; weights must be positive and finite.");
            }

            if (s == t)
            {
                continue;
            }

            int u = Math.Min(s, t);
            int v = Math.Max(s, t);
            long key = ((long)u * nodeCount) + v;
            if (seen.TryAdd(key, us.Count))
            {
                us.Add(u);
                vs.Add(v);
                ws.Add(w);
            }
        }

        NodeCount = nodeCount;
        EdgeU = us.ToArray();
        EdgeV = vs.ToArray();
        EdgeWeights = ws.ToArray();
        _pairs = [.. us.Zip(vs)];

        // CSR over both directions.
        var degreeCount = new int[nodeCount + 1];
        foreach (int u in EdgeU)
        {
            degreeCount[u + 1]++;
        }

        foreach (int v in EdgeV)
        {
            degreeCount[v + 1]++;
        }

        for (int i = 0; i < nodeCount; i++)
        {
            degreeCount[i + 1] += degreeCount[i];
        }

        _rowStart = degreeCount;
        _neighbors = new int[2 * EdgeU.Length];
        _neighborWeights = new double[2 * EdgeU.Length];
        var fill = (int[])_rowStart.Clone();
        WeightedDegrees = new double[nodeCount];
        for (int e = 0; e < EdgeU.Length; e++)
        {
            int u = EdgeU[e];
            int v = EdgeV[e];
            double w = EdgeWeights[e];
            _neighbors[fill[u]] = v;
            _neighborWeights[fill[u]++] = w;
            _neighbors[fill[v]] = u;
            _neighborWeights[fill[v]++] = w;
            WeightedDegrees[u] += w;
            WeightedDegrees[v] += w;
        }
    }

    /// <summary>The edges as (u, v) pairs with u &lt; v, in <see cref="EdgeU"/> order.</summary>
    public ReadOnlySpan<(int U, int V)> Edges => _pairs;

    /// <summary>The number of neighbours of <paramref name="node"/>.</summary>
    /// <param name="node">Node id.</param>
    public int Degree(int node) => _rowStart[node + 1] - _rowStart[node];

    /// <summary>Number of nodes <c>n</c>.</summary>
    public int NodeCount { get; }

    /// <summary>Number of undirected edges after deduplication.</summary>
    public int EdgeCount => EdgeU.Length;

    /// <summary>Smaller endpoint of each undirected edge.</summary>
    public int[] EdgeU { get; }

    /// <summary>Larger endpoint of each undirected edge.</summary>
    public int[] EdgeV { get; }

    /// <summary>Weight of each undirected edge.</summary>
    public double[] EdgeWeights { get; }

    /// <summary>Weighted degree <c>d_i = Σ_j A_ij</c> of each node.</summary>
    public double[] WeightedDegrees { get; }

    /// <summary>True when every edge weight is exactly 1.</summary>
    public bool IsUnweighted => Array.TrueForAll(EdgeWeights, w => w == 1.0);

    /// <summary>Neighbours of <paramref name="node"/>, in edge order.</summary>
    public ReadOnlySpan<int> Neighbors(int node) => _neighbors.AsSpan(_rowStart[node], _rowStart[node + 1] - _rowStart[node]);

    /// <summary>Weights of the edges to <see cref="Neighbors(int)"/>, in the same order.</summary>
    public ReadOnlySpan<double> NeighborWeights(int node) =>
        _neighborWeights.AsSpan(_rowStart[node], _rowStart[node + 1] - _rowStart[node]);

    /// <summary>The same topology with new edge weights (one per <see cref="EdgeU"/> entry).</summary>
    public GraphStructure WithWeights(ReadOnlySpan<double> weights) => new(NodeCount, EdgeU, EdgeV, weights);

    /// <summary>
    /// The canonical simple graph of an edge list: self-loops and duplicates dropped, each edge as <c>(u, v)</c> with
    /// u &lt; v, edges sorted, so <see cref="Edges"/> and every <see cref="Neighbors"/> list come out sorted whatever the
    /// input order (topological features then do not depend on how a file listed the edges).
    /// </summary>
    /// <param name="nodeCount">Number of nodes.</param>
    /// <param name="edges">Edges (u, v) with 0 ≤ u, v &lt; nodeCount.</param>
    /// <exception cref="ArgumentOutOfRangeException">An endpoint is outside 0..nodeCount−1.</exception>
    public static GraphStructure Canonical(int nodeCount, IEnumerable<(int U, int V)> edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        (int U, int V)[] sorted = [.. edges.Select(e => (Math.Min(e.U, e.V), Math.Max(e.U, e.V))).Distinct().Order()];
        return new GraphStructure(nodeCount, sorted.Select(e => e.U).ToArray(), sorted.Select(e => e.V).ToArray());
    }

    /// <summary>Builds a graph from undirected edge pairs <c>(u, v)</c>.</summary>
    public static GraphStructure FromEdges(int nodeCount, params (int U, int V)[] edges)
    {
        ArgumentNullException.ThrowIfNull(edges);
        return new GraphStructure(nodeCount, edges.Select(e => e.U).ToArray(), edges.Select(e => e.V).ToArray());
    }

    /// <summary>
    /// Connected-component id of every node (ids <c>0..c-1</c> in order of each component's smallest node).
    /// </summary>
    public int[] ConnectedComponents(out int componentCount)
    {
        var comp = new int[NodeCount];
        Array.Fill(comp, -1);
        var stack = new Stack<int>();
        componentCount = 0;
        for (int s = 0; s < NodeCount; s++)
        {
            if (comp[s] >= 0)
            {
                continue;
            }

            comp[s] = componentCount;
            stack.Push(s);
            while (stack.Count > 0)
            {
                int u = stack.Pop();
                foreach (int v in Neighbors(u))
                {
                    if (comp[v] < 0)
                    {
                        comp[v] = componentCount;
                        stack.Push(v);
                    }
                }
            }

            componentCount++;
        }

        return comp;
    }

    /// <summary>The graph with nodes relabelled: node <c>i</c> becomes <c>permutation[i]</c>.</summary>
    public GraphStructure Permute(ReadOnlySpan<int> permutation)
    {
        if (permutation.Length != NodeCount)
        {
            throw new ArgumentException($"Permutation has length {permutation.Length}, expected {NodeCount}.", nameof(permutation));
        }

        var u = new int[EdgeCount];
        var v = new int[EdgeCount];
        for (int e = 0; e < EdgeCount; e++)
        {
            u[e] = permutation[EdgeU[e]];
            v[e] = permutation[EdgeV[e]];
        }

        return new GraphStructure(NodeCount, u, v, EdgeWeights);
    }

    /// <summary>The disjoint union of two graphs: <paramref name="other"/>'s nodes follow this graph's.</summary>
    public GraphStructure DisjointUnion(GraphStructure other)
    {
        ArgumentNullException.ThrowIfNull(other);
        int n = NodeCount;
        int[] u = [.. EdgeU, .. other.EdgeU.Select(x => x + n)];
        int[] v = [.. EdgeV, .. other.EdgeV.Select(x => x + n)];
        double[] w = [.. EdgeWeights, .. other.EdgeWeights];
        return new GraphStructure(n + other.NodeCount, u, v, w);
    }
}
