namespace Pipelines.Trainers.Graphs;

/// <summary>
/// The batches of one epoch as indices into the training split. The order depends only on (seed, epoch), so an epoch
/// resumed from a checkpoint sees the batches it would have seen without the interruption.
/// </summary>
internal static class GraphBatchOrder
{
    /// <summary>Batches per sorting window of <see cref="GraphBatching.SizeBucketed"/>.</summary>
    public const int BucketWindow = 16;

    /// <summary>The batches of <paramref name="epoch"/> (1-based) over graphs with the given node counts.</summary>
    public static int[][] Epoch(IReadOnlyList<int> nodeCounts, int batchSize, GraphBatching batching, int seed, int epoch)
    {
        ArgumentNullException.ThrowIfNull(nodeCounts);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        var rng = new Random(EpochSeed(seed, epoch));
        int[] order = Enumerable.Range(0, nodeCounts.Count).ToArray();
        rng.Shuffle(order);
        if (batching == GraphBatching.SizeBucketed)
        {
            int window = batchSize * BucketWindow;
            for (int start = 0; start < order.Length; start += window)
            {
                int len = Math.Min(window, order.Length - start);
                int[] sorted = order.AsSpan(start, len).ToArray().OrderBy(i => nodeCounts[i]).ToArray(); // stable: ties keep the shuffle
                sorted.CopyTo(order, start);
            }
        }

        int[][] batches = order.Chunk(batchSize).ToArray();
        if (batching == GraphBatching.SizeBucketed)
        {
            rng.Shuffle(batches);
        }

        return batches;
    }

    // A fixed mix (not HashCode, which is randomised per process) of the run's seed and the epoch.
    private static int EpochSeed(int seed, int epoch) => unchecked((seed * 1_000_003) + (epoch * 7_919));
}
