using Pipelines.Onnx.Runtime;

namespace Pipelines.Onnx.Text;

/// <summary>The input names of a BERT-style text encoder, each int64 <c>[batch, sequence]</c>, and the mask of a text batch.</summary>
public static class BertInputs
{
    /// <summary>Token ids: <c>[CLS] tokens [SEP]</c> then padding (id 0).</summary>
    public const string InputIds = "input_ids";

    /// <summary>1 for real tokens, 0 for padding.</summary>
    public const string AttentionMask = "attention_mask";

    /// <summary>All zeros (single-sentence input).</summary>
    public const string TokenTypeIds = "token_type_ids";

    /// <summary>The int64 <see cref="AttentionMask"/> <c>[batch, sequence]</c> of <paramref name="batch"/>, when it has one.</summary>
    public static long[]? AttentionMaskOf(TensorBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return batch.TryGet(AttentionMask, out long[]? mask) ? mask : null;
    }
}
