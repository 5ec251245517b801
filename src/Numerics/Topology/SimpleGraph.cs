namespace Pipelines.Numerics.Topology;

/// <summary>An undirected simple graph on nodes 0..NodeCount−1 (self-loops and duplicate edges are dropped).</summary>
public sealed class SimpleGraph
{
    private readonly (int U, int V)[] _edges;
    private readonly int[][] _adjacency;

    /// <summary>Creates a graph from an edge list.</summary>
    /// <param name="nodeCount">Number of nodes.</param>
    /// <param name="edges">Edges (u, v) with 0 ≤ u, v &lt; nodeCount.</param>
    /// <exception cref="ArgumentOutOfRangeException">An endpoint is outside 0..nodeCount−1.</exception>
    public SimpleGraph(int nodeCount, IEnumerable<(int U, int V)> edges)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeCount);
        ArgumentNullException.ThrowIfNull(edges);
        var set = new SortedSet<(int, int)>();
        foreach ((int u, int v) in edges)
        {
            if ((uint)u >= (uint)nodeCount || (uint)v >= (uint)nodeCount)
            {
                throw new ArgumentOutOfRangeException(nameof(edges), $"Edge ({u}, {v}) has an endpoint outside 0..{nodeCount - 1}.");
            }

            if (u != v)
            {
                set.Add((Math.Min(u, v), Math.Max(u, v)));
            }
        }

        NodeCount = nodeCount;
        _edges = [.. set];
        var adj = new List<int>[nodeCount];
        for (int i = 0; i < nodeCount; i++)
        {
            adj[i] = [];
        }

        foreach ((int u, int v) in _edges)
        {
            adj[u].Add(v);
            adj[v].Add(u);
        }

        _adjacency = [.. adj.Select(static l => l.Order().ToArray())];
    }

    /// <summary>Gets the number of nodes.</summary>
    public int NodeCount { get; }

    /// <summary>Gets the edges (u &lt; v), sorted.</summary>
    public ReadOnlySpan<(int U, int V)> Edges => _edges;

    /// <summary>Gets the sorted neighbours of <paramref name="node"/>.</summary>
    /// <param name="node">Node id.</param>
    /// <returns>The neighbours.</returns>
    public ReadOnlySpan<int> Neighbors(int node) => _adjacency[node];

    /// <summary>Gets the degree of <paramref name="node"/>.</summary>
    /// <param name="node">Node id.</param>
    /// <returns>The degree.</returns>
    public int Degree(int node) => _adjacency[node].Length;
}
