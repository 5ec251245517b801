namespace Pipelines.Numerics.Graphs;

/// <summary>
/// Exact counts of simple cycles of length 3..L (L ≤ 8) in a graph and per node (the number of such cycles each node lies
/// on), by enumerating closed simple paths from each cycle's smallest node. Edge weights are ignored.
/// </summary>
public static class CycleCounter
{
    /// <summary>The longest cycle length supported.</summary>
    public const int MaxLength = 8;

    /// <summary>
    /// Counts cycles of length <c>3..maxLength</c>. Returns <c>graphCounts[len − 3]</c>; fills
    /// <paramref name="nodeCounts"/> row-major <c>(n, maxLength − 2)</c> when it is non-empty.
    /// </summary>
    public static long[] Count(GraphStructure graph, int maxLength, Span<long> nodeCounts = default)
    {
        ArgumentNullException.ThrowIfNull(graph);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(maxLength, MaxLength);
        int n = graph.NodeCount;
        int lengths = maxLength - 2;
        if (!nodeCounts.IsEmpty && nodeCounts.Length < n * lengths)
        {
            throw new ArgumentException($"Node counts need n·(L−2) = {n * lengths} entries.", nameof(nodeCounts));
        }

        // Every cycle is found twice (both directions) from its smallest node.
        var twice = new long[lengths];
        var twiceNode = nodeCounts.IsEmpty ? null : new long[n * lengths];
        var path = new int[maxLength];
        var onPath = new bool[n];
        for (int s = 0; s < n; s++)
        {
            path[0] = s;
            onPath[s] = true;
            Extend(graph, s, 1, maxLength, path, onPath, twice, twiceNode, lengths);
            onPath[s] = false;
        }

        var counts = new long[lengths];
        for (int l = 0; l < lengths; l++)
        {
            counts[l] = twice[l] / 2;
        }

        if (twiceNode is not null)
        {
            for (int i = 0; i < twiceNode.Length; i++)
            {
                nodeCounts[i] = twiceNode[i] / 2;
            }
        }

        return counts;
    }

    private static void Extend(
        GraphStructure graph, int s, int depth, int maxLength, int[] path, bool[] onPath, long[] twice, long[]? twiceNode, int lengths)
    {
        int last = path[depth - 1];
        foreach (int v in graph.Neighbors(last))
        {
            if (v == s && depth >= 3)
            {
                twice[depth - 3]++;
                if (twiceNode is not null)
                {
                    for (int p = 0; p < depth; p++)
                    {
                        twiceNode[(path[p] * lengths) + depth - 3]++;
                    }
                }
            }
            else if (v > s && !onPath[v] && depth < maxLength)
            {
                path[depth] = v;
                onPath[v] = true;
                Extend(graph, s, depth + 1, maxLength, path, onPath, twice, twiceNode, lengths);
                onPath[v] = false;
            }
        }
    }
}
