using Microsoft.ML.Tokenizers;

namespace Pipelines.Trainers.TextClassification;

/// <summary>
/// WordPiece tokenisation for BERT-family encoders through <c>Microsoft.ML.Tokenizers</c>' <see cref="BertTokenizer"/>
/// over the model's own <c>vocab.txt</c> (lower-cased, basic pre-tokenisation, as all-MiniLM-L6-v2 was trained),
/// with truncation to a maximum length and padding to the longest row of each batch.
/// </summary>
public sealed class TextEncoderTokenizer
{
    private readonly BertTokenizer _tokenizer;

    private TextEncoderTokenizer(BertTokenizer tokenizer, int maxLength, string fingerprint)
    {
        _tokenizer = tokenizer;
        MaxLength = maxLength;
        Fingerprint = fingerprint;
    }

    /// <summary>
    /// Identifies this tokenization: <c>wordpiece:&lt;SHA-256 of vocab.txt&gt;:&lt;max length&gt;:&lt;lower|cased&gt;</c>.
    /// Saved ML.NET models carry it so that loading with another vocabulary fails loudly instead of scoring wrong ids.
    /// </summary>
    public string Fingerprint { get; }

    /// <summary>Tokens per row including <c>[CLS]</c> and <c>[SEP]</c>; longer sentences are truncated.</summary>
    public int MaxLength { get; }

    /// <summary>The <c>[CLS]</c> id.</summary>
    public int ClsId => _tokenizer.ClassificationTokenId;

    /// <summary>The <c>[SEP]</c> id.</summary>
    public int SepId => _tokenizer.SeparatorTokenId;

    /// <summary>Loads <paramref name="vocabPath"/> (one WordPiece token per line).</summary>
    /// <param name="vocabPath">The model's <c>vocab.txt</c>.</param>
    /// <param name="maxLength">Maximum tokens per row including the two special tokens (at least 3).</param>
    /// <param name="lowerCase">Lower-case before tokenisation (true for uncased models such as MiniLM).</param>
    public static TextEncoderTokenizer FromVocab(string vocabPath, int maxLength = 128, bool lowerCase = true)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 3);
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"Vocabulary file '{vocabPath}' does not exist.", vocabPath);
        }

        var options = new BertOptions { LowerCaseBeforeTokenization = lowerCase, ApplyBasicTokenization = true };
        string hash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(vocabPath)));
        string fingerprint = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"wordpiece:{hash}:{maxLength}:{(lowerCase ? "lower" : "cased")}");
        return new TextEncoderTokenizer(BertTokenizer.Create(vocabPath, options), maxLength, fingerprint);
    }

    /// <summary>Token ids of one sentence: <c>[CLS] w1 … wn [SEP]</c>, truncated to <see cref="MaxLength"/>.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> body = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
        int n = Math.Min(body.Count, MaxLength - 2);
        int[] ids = new int[n + 2];
        ids[0] = ClsId;
        for (int i = 0; i < n; i++)
        {
            ids[i + 1] = body[i];
        }

        ids[n + 1] = SepId;
        return ids;
    }

    /// <summary>Encodes a batch, padding every row to the longest (id 0, mask 0).</summary>
    public EncodedBatch EncodeBatch(IReadOnlyList<string> texts)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sentence.", nameof(texts));
        }

        int[][] rows = texts.Select(Encode).ToArray();
        return Pad(rows);
    }

    /// <summary>Pads pre-encoded rows to the longest one.</summary>
    public static EncodedBatch Pad(IReadOnlyList<int[]> rows)
    {
        ArgumentNullException.ThrowIfNull(rows);
        int seq = rows.Max(r => r.Length);
        long[] ids = new long[rows.Count * seq];
        long[] mask = new long[ids.Length];
        for (int b = 0; b < rows.Count; b++)
        {
            for (int t = 0; t < rows[b].Length; t++)
            {
                ids[(b * seq) + t] = rows[b][t];
                mask[(b * seq) + t] = 1;
            }
        }

        return new EncodedBatch(ids, mask, new long[ids.Length], rows.Count, seq);
    }
}
