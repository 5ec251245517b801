using Pipelines.Onnx.Runtime;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// A text batch with its class indices, as one <see cref="TensorBatch"/>: the BERT tensors <c>input_ids</c>,
/// <c>attention_mask</c>, <c>token_type_ids</c> (int64 <c>[Batch, Sequence]</c>) and
/// <see cref="ClassifierLossGraph.LabelsInput"/> (int64 <c>[Batch]</c>). Disposing it releases the tensors' ORT values.
/// </summary>
public sealed class LabeledBatch : IDisposable
{
    private LabeledBatch(TensorBatch tensors, long[] labels)
    {
        Tensors = tensors;
        Labels = labels;
    }

    /// <summary>The token tensors and the labels, by input name (a session reads those its model declares).</summary>
    public TensorBatch Tensors { get; }

    /// <summary>Class index per row, <c>[Batch]</c>.</summary>
    public long[] Labels { get; }

    /// <summary>Encodes <paramref name="rows"/> with <paramref name="tokenizer"/>.</summary>
    public static LabeledBatch Encode(TextEncoderTokenizer tokenizer, IReadOnlyList<LabeledSentence> rows)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(rows);
        long[] labels = rows.Select(r => (long)r.Label).ToArray();
        TensorBatch tensors = tokenizer.EncodeBatch(rows.Select(r => r.Text).ToArray()).Add(ClassifierLossGraph.LabelsInput, labels, labels.Length);
        return new LabeledBatch(tensors, labels);
    }

    /// <inheritdoc />
    public void Dispose() => Tensors.Dispose();
}
