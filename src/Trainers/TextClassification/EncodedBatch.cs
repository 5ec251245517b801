namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// Token ids of a batch in BERT layout, row-major <c>[Batch, Sequence]</c>: <c>[CLS] tokens [SEP]</c> then padding
/// (id 0, mask 0). <see cref="Sequence"/> is the longest row in the batch (dynamic padding), at most the max length.
/// </summary>
/// <param name="InputIds">Token ids, <c>[Batch, Sequence]</c>.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding, <c>[Batch, Sequence]</c>.</param>
/// <param name="TokenTypeIds">All zeros (single-sentence input), <c>[Batch, Sequence]</c>.</param>
/// <param name="Batch">Rows.</param>
/// <param name="Sequence">Columns.</param>
public sealed record EncodedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Batch, int Sequence)
{
    /// <summary>The shape of each of the three tensors.</summary>
    public long[] Shape => [Batch, Sequence];
}
