using Pipelines.Onnx.Runtime;

namespace Pipelines.Onnx.Text;

/// <summary>
/// Token ids of a batch in BERT layout, row-major <c>[Batch, Sequence]</c> int64: <c>[CLS] tokens [SEP]</c> then padding
/// (id 0, mask 0). <see cref="Sequence"/> is the longest row in the batch (dynamic padding), at most the max length.
/// </summary>
/// <param name="InputIds">Token ids, <c>[Batch, Sequence]</c>.</param>
/// <param name="AttentionMask">1 for real tokens, 0 for padding, <c>[Batch, Sequence]</c>.</param>
/// <param name="TokenTypeIds">All zeros (single-sentence input), <c>[Batch, Sequence]</c>.</param>
/// <param name="Batch">Rows.</param>
/// <param name="Sequence">Columns.</param>
public sealed record EncodedBatch(long[] InputIds, long[] AttentionMask, long[] TokenTypeIds, int Batch, int Sequence)
{
    /// <summary>The BERT input name of <see cref="InputIds"/>.</summary>
    public const string InputIdsName = "input_ids";

    /// <summary>The BERT input name of <see cref="AttentionMask"/>.</summary>
    public const string AttentionMaskName = "attention_mask";

    /// <summary>The BERT input name of <see cref="TokenTypeIds"/>.</summary>
    public const string TokenTypeIdsName = "token_type_ids";

    /// <summary>The shape of each of the three tensors.</summary>
    public long[] Shape => [Batch, Sequence];

    /// <summary>The three tensors by their BERT input names: <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>.</summary>
    public IReadOnlyList<(string Name, long[] Data)> Tensors =>
        [(InputIdsName, InputIds), (AttentionMaskName, AttentionMask), (TokenTypeIdsName, TokenTypeIds)];

    /// <summary>
    /// The three tensors as a <see cref="TensorBatch"/> over these arrays (no copy), int64 <c>[Batch, Sequence]</c>; the
    /// caller disposes it.
    /// </summary>
    /// <param name="declared">When given, only the inputs the model declares are kept.</param>
    public TensorBatch ToTensorBatch(IReadOnlySet<string>? declared = null)
    {
        var batch = new TensorBatch();
        foreach ((string name, long[] data) in Tensors.Where(t => declared?.Contains(t.Name) ?? true))
        {
            batch.Add(name, data, Shape);
        }

        return batch;
    }

    /// <summary>The int64 <c>attention_mask</c> <c>[batch, sequence]</c> of <paramref name="batch"/>, when it has one.</summary>
    public static long[]? AttentionMaskOf(TensorBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.TryGet(AttentionMaskName, out long[]? mask) ? mask : null;
    }
}
