using System.Globalization;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// The text classifier's tokenization: a <see cref="WordPieceEncoder"/> that truncates to a maximum length, plus the
/// <see cref="Fingerprint"/> that saved ML.NET text classifiers carry (see <see cref="MLNet.TokenizationMapping"/>).
/// </summary>
public sealed class TextEncoderTokenizer
{
    private TextEncoderTokenizer(WordPieceEncoder encoder, int maxLength, bool lowerCase)
    {
        Encoder = encoder;
        MaxLength = maxLength;
        Fingerprint = string.Create(CultureInfo.InvariantCulture, $"wordpiece:{encoder.VocabularySha256}:{maxLength}:{(lowerCase ? "lower" : "cased")}");
    }

    /// <summary>The shared WordPiece encoder (tokenisation, truncation, padding).</summary>
    public WordPieceEncoder Encoder { get; }

    /// <summary>
    /// Identifies this tokenization: <c>wordpiece:&lt;SHA-256 of vocab.txt&gt;:&lt;max length&gt;:&lt;lower|cased&gt;</c>.
    /// Saved ML.NET models carry it so that loading with another vocabulary fails loudly instead of scoring wrong ids.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Tokens per row including <c>[CLS]</c> and <c>[SEP]</c>; longer sentences are truncated.</summary>
    public int MaxLength { get; }

    /// <summary>Loads <paramref name="vocabPath"/> (one WordPiece token per line).</summary>
    /// <param name="vocabPath">The model's <c>vocab.txt</c>.</param>
    /// <param name="maxLength">Maximum tokens per row including the two special tokens (at least 3).</param>
    /// <param name="lowerCase">Lower-case before tokenisation (true for uncased models such as MiniLM).</param>
    public static TextEncoderTokenizer FromVocab(string vocabPath, int maxLength = 128, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        var encoder = WordPieceEncoder.FromVocab(vocabPath, new WordPieceEncoderOptions { MaxLength = maxLength, LowerCase = lowerCase });
        return new TextEncoderTokenizer(encoder, maxLength, lowerCase);
    }

    /// <summary>Builds the tokenizer from the bytes of a <c>vocab.txt</c> (the same <see cref="Fingerprint"/> as the file).</summary>
    /// <param name="vocabulary">The file's bytes.</param>
    /// <param name="maxLength">Maximum tokens per row including the two special tokens (at least 3).</param>
    /// <param name="lowerCase">Lower-case before tokenisation.</param>
    public static TextEncoderTokenizer FromVocab(byte[] vocabulary, int maxLength = 128, bool lowerCase = true)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        var encoder = WordPieceEncoder.FromVocab(vocabulary, new WordPieceEncoderOptions { MaxLength = maxLength, LowerCase = lowerCase });
        return new TextEncoderTokenizer(encoder, maxLength, lowerCase);
    }

    /// <summary>Token ids of one sentence: <c>[CLS] w1 … wn [SEP]</c>, truncated to <see cref="MaxLength"/>.</summary>
    public int[] Encode(string text) => Encoder.Encode(text);

    /// <summary>
    /// Encodes a batch, padding every row to the longest (id 0, mask 0): <c>input_ids</c>, <c>attention_mask</c>,
    /// <c>token_type_ids</c>, int64 <c>[texts.Count, longest]</c>, in a batch the caller disposes.
    /// </summary>
    public TensorBatch EncodeBatch(IReadOnlyList<string> texts) => Encoder.EncodeBatch(texts);
}
