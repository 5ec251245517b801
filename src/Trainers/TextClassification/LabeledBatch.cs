using Microsoft.ML.OnnxRuntime;
using Pipelines.Onnx.Text;

namespace Pipelines.Trainers.TextClassification;

/// <summary>An encoded batch with its class indices <c>[Batch]</c>.</summary>
/// <param name="Tokens">The token tensors.</param>
/// <param name="Labels">Class index per row.</param>
public sealed record LabeledBatch(EncodedBatch Tokens, long[] Labels)
{
    /// <summary>Encodes <paramref name="rows"/> with <paramref name="tokenizer"/>.</summary>
    public static LabeledBatch Encode(TextEncoderTokenizer tokenizer, IReadOnlyList<LabeledSentence> rows)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(rows);
        return new LabeledBatch(tokenizer.EncodeBatch(rows.Select(r => r.Text).ToArray()), rows.Select(r => (long)r.Label).ToArray());
    }

    /// <summary>
    /// ORT values over the batch's arrays (no copy), keyed by the BERT input names and
    /// <see cref="ClassifierLossGraph.LabelsInput"/> (<c>[Batch]</c>); the caller disposes them.
    /// </summary>
    internal Dictionary<string, OrtValue> CreateOrtValues()
    {
        long[] shape = Tokens.Shape;
        Dictionary<string, OrtValue> values = Tokens.Tensors.ToDictionary(t => t.Name, t => OrtValue.CreateTensorValueFromMemory(t.Data, shape), StringComparer.Ordinal);
        values[ClassifierLossGraph.LabelsInput] = OrtValue.CreateTensorValueFromMemory(Labels, [Labels.Length]);
        return values;
    }
}
