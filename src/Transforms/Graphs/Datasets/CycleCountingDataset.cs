using Pipelines.Numerics.Graphs;

namespace Pipelines.Transforms.Graphs.Datasets;

/// <summary>One graph of the substructure-counting task with its exact cycle counts.</summary>
/// <param name="Graph">The graph (no node or edge types; <see cref="Graph.Target"/> unset).</param>
/// <param name="Counts">Number of simple cycles of length 3, 4, 5, 6.</param>
/// <param name="NodeCounts">Row-major <c>(n, 4)</c>: cycles of length 3..6 through each node.</param>
public sealed record CycleCountingSample(Graph Graph, long[] Counts, long[] NodeCounts)
{
    /// <summary>The sample with <see cref="Graph.Target"/> set to the count of <paramref name="length"/>-cycles (3..6).</summary>
    public Graph WithTarget(int length) => Graph.WithTarget(Counts[CycleCountingDataset.IndexOf(length)]);
}

/// <summary>
/// A regenerated version of SPE's substructure-counting benchmark (random graphs from I²-GNN's <c>data.mat</c>, which
/// is not available here): seeded Erdős–Rényi graphs with a target mean degree, labelled with exact counts of 3-, 4-,
/// 5- and 6-cycles (per graph and per node) by <see cref="CycleCounter"/>.
/// </summary>
public static class CycleCountingDataset
{
    /// <summary>The cycle lengths counted.</summary>
    public static readonly int[] Lengths = [3, 4, 5, 6];

    /// <summary>Index of <paramref name="length"/> in <see cref="Lengths"/>.</summary>
    public static int IndexOf(int length) => length is >= 3 and <= 6
        ? length - 3
        : throw new ArgumentOutOfRangeException(nameof(length), length, "Cycle lengths 3..6 are counted.");

    /// <summary>Generates <paramref name="count"/> graphs; the same seed gives the same graphs.</summary>
    /// <param name="count">Number of graphs.</param>
    /// <param name="seed">Seed.</param>
    /// <param name="minNodes">Smallest node count.</param>
    /// <param name="maxNodes">Largest node count.</param>
    /// <param name="meanDegree">Expected mean degree (edge probability <c>meanDegree/(n−1)</c>).</param>
    public static IReadOnlyList<CycleCountingSample> Generate(int count, int seed, int minNodes = 10, int maxNodes = 20, double meanDegree = 3.0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(minNodes, 3);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxNodes, minNodes);
        var rng = new Random(seed);
        var samples = new CycleCountingSample[count];
        for (int s = 0; s < count; s++)
        {
            int n = rng.Next(minNodes, maxNodes + 1);
            GraphStructure g = RandomGraphs.ErdosRenyi(n, Math.Min(1.0, meanDegree / (n - 1)), rng);
            var nodeCounts = new long[n * 4];
            long[] counts = CycleCounter.Count(g, 6, nodeCounts);
            var graph = new Graph(n, g.EdgeU, g.EdgeV, id: $"cycles#{s}");
            samples[s] = new CycleCountingSample(graph, counts, nodeCounts);
        }

        return samples;
    }
}
