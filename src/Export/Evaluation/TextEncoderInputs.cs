using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Evaluation;

/// <summary>
/// Sentences as <see cref="TensorBatch"/>es for a BERT-style encoder through the shared <see cref="WordPieceEncoder"/>:
/// <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>, all int64 <c>[batch, sequence]</c>.
/// </summary>
public sealed class TextEncoderInputs
{
    /// <summary>Loads the vocabulary (lower-cased, [CLS] … [SEP]).</summary>
    /// <param name="vocabPath">The <c>vocab.txt</c> file.</param>
    /// <param name="maxTokens">Sequences are cut to this many tokens (at least 2; the last one stays [SEP]).</param>
    public TextEncoderInputs(string vocabPath, int maxTokens = 128)
    {
        Encoder = WordPieceEncoder.FromVocab(vocabPath, new WordPieceEncoderOptions { MaxLength = maxTokens });
    }

    /// <summary>The shared WordPiece encoder.</summary>
    public WordPieceEncoder Encoder { get; }

    /// <summary>The sequence length cap.</summary>
    public int MaxTokens => Encoder.MaxLength!.Value;

    /// <summary>Token ids of one sentence, with [CLS] and [SEP].</summary>
    public int[] Encode(string text) => Encoder.Encode(text);

    /// <summary>One batch, padded with 0 to the longest sentence (the caller disposes it).</summary>
    public TensorBatch Batch(IReadOnlyList<string> sentences) => Encoder.EncodeBatch(sentences);

    /// <summary>Batches of at most <paramref name="batchSize"/> sentences, in order (the caller disposes them).</summary>
    public IReadOnlyList<TensorBatch> Batches(IReadOnlyList<string> sentences, int batchSize) =>
        Encoder.EncodeBatches(sentences, batchSize);
}
