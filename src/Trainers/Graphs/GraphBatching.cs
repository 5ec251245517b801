namespace Pipelines.Trainers.Graphs;

/// <summary>How <see cref="GraphTrainer"/> groups training graphs into batches each epoch.</summary>
/// <remarks>
/// A batch pads every graph to its largest node count <c>N</c>, and GINE's messages and SPE's <c>(B, N, N, m)</c> tensors
/// cost <c>O(B·N²)</c>; batching graphs of similar size removes most of that padding.
/// </remarks>
public enum GraphBatching
{
    /// <summary>A uniform shuffle each epoch, cut into consecutive batches (i.i.d. mini-batches).</summary>
    Shuffled,

    /// <summary>
    /// A uniform shuffle, then a sort by node count inside windows of <see cref="GraphBatchOrder.BucketWindow"/> batches,
    /// cut into batches whose order is shuffled again: every graph is still seen once per epoch and the batch sequence is
    /// random, but a batch holds graphs of similar size (much less padding; batches are no longer i.i.d.).
    /// </summary>
    SizeBucketed,
}
