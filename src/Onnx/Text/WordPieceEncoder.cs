using System.Security.Cryptography;
using Microsoft.ML.Tokenizers;
using Pipelines.Onnx.Runtime;

namespace Pipelines.Onnx.Text;

/// <summary>
/// Sentences to the inputs of a BERT-style encoder: WordPiece tokenisation through <c>Microsoft.ML.Tokenizers</c>'
/// <see cref="BertTokenizer"/> over the model's own <c>vocab.txt</c> (basic pre-tokenisation, lower-cased for uncased
/// models), <c>[CLS] w1 … wn [SEP]</c> per sentence, optional truncation, and zero padding to the longest row of a batch
/// into <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>, each int64 <c>[batch, sequence]</c>.
/// </summary>
public sealed class WordPieceEncoder
{
    private readonly BertTokenizer _tokenizer;

    private WordPieceEncoder(BertTokenizer tokenizer, WordPieceEncoderOptions options, string vocabularySha256)
    {
        _tokenizer = tokenizer;
        Options = options;
        VocabularySha256 = vocabularySha256;
    }

    /// <summary>The options the encoder was created with.</summary>
    public WordPieceEncoderOptions Options { get; }

    /// <summary>Tokens per row including <c>[CLS]</c> and <c>[SEP]</c>; <see langword="null"/> when rows are never truncated.</summary>
    public int? MaxLength => Options.MaxLength;

    /// <summary>Lower-case SHA-256 hex of the <c>vocab.txt</c> bytes (identifies the vocabulary in saved models).</summary>
    public string VocabularySha256 { get; }

    /// <summary>The <c>[CLS]</c> id.</summary>
    public int ClsId => _tokenizer.ClassificationTokenId;

    /// <summary>The <c>[SEP]</c> id.</summary>
    public int SepId => _tokenizer.SeparatorTokenId;

    /// <summary>Loads <paramref name="vocabPath"/> (one WordPiece token per line).</summary>
    /// <param name="vocabPath">The model's <c>vocab.txt</c>.</param>
    /// <param name="options">Truncation and casing; defaults to 128 tokens, lower-cased.</param>
    /// <exception cref="FileNotFoundException">The vocabulary file does not exist.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="WordPieceEncoderOptions.MaxLength"/> is below 2.</exception>
    public static WordPieceEncoder FromVocab(string vocabPath, WordPieceEncoderOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabPath);
        options ??= new WordPieceEncoderOptions();
        if (options.MaxLength is int max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 2, nameof(options));
        }

        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"Vocabulary file '{vocabPath}' does not exist.", vocabPath);
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(vocabPath)));
        var bert = new BertOptions { LowerCaseBeforeTokenization = options.LowerCase, ApplyBasicTokenization = true };
        return new WordPieceEncoder(BertTokenizer.Create(vocabPath, bert), options, hash);
    }

    /// <summary>Builds the encoder from the bytes of a <c>vocab.txt</c> (one token per line), e.g. embedded in a saved model.</summary>
    /// <param name="vocabulary">The file's bytes (UTF-8).</param>
    /// <param name="options">Truncation and casing; defaults to 128 tokens, lower-cased.</param>
    /// <exception cref="ArgumentOutOfRangeException"><see cref="WordPieceEncoderOptions.MaxLength"/> is below 2.</exception>
    public static WordPieceEncoder FromVocab(byte[] vocabulary, WordPieceEncoderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(vocabulary);
        options ??= new WordPieceEncoderOptions();
        if (options.MaxLength is int max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 2, nameof(options));
        }

        string hash = Convert.ToHexStringLower(SHA256.HashData(vocabulary));
        var bert = new BertOptions { LowerCaseBeforeTokenization = options.LowerCase, ApplyBasicTokenization = true };
        using var stream = new MemoryStream(vocabulary, writable: false);
        return new WordPieceEncoder(BertTokenizer.Create(stream, bert), options, hash);
    }

    /// <summary>Token ids of one sentence: <c>[CLS] w1 … wn [SEP]</c>, the body cut to <c>MaxLength − 2</c> tokens.</summary>
    public int[] Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        IReadOnlyList<int> body = _tokenizer.EncodeToIds(text, addSpecialTokens: false);
        int n = MaxLength is int max ? Math.Min(body.Count, max - 2) : body.Count;
        int[] ids = new int[n + 2];
        ids[0] = ClsId;
        for (int i = 0; i < n; i++)
        {
            ids[i + 1] = body[i];
        }

        ids[n + 1] = SepId;
        return ids;
    }

    /// <summary>
    /// Encodes a batch, padding every row to the longest (id 0, mask 0): the <see cref="BertInputs"/> tensors, int64
    /// <c>[texts.Count, longest]</c>, in a batch the caller disposes.
    /// </summary>
    /// <param name="texts">The sentences.</param>
    /// <param name="inputs">When given, only these of the three tensors are kept (e.g. the inputs a model declares).</param>
    /// <exception cref="ArgumentException"><paramref name="texts"/> is empty.</exception>
    public TensorBatch EncodeBatch(IReadOnlyList<string> texts, IReadOnlySet<string>? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sentence.", nameof(texts));
        }

        return Pad(texts.Select(Encode).ToArray(), inputs);
    }

    /// <summary>Consecutive batches of at most <paramref name="batchSize"/> sentences, in order (the caller disposes them).</summary>
    public IReadOnlyList<TensorBatch> EncodeBatches(IReadOnlyList<string> texts, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(texts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return texts.Chunk(batchSize).Select(c => EncodeBatch(c)).ToList();
    }

    /// <summary>
    /// Pads pre-encoded rows to the longest one: ids and mask 0 after each row, token types all 0; the
    /// <see cref="BertInputs"/> tensors, int64 <c>[rows.Count, longest]</c>, in a batch the caller disposes.
    /// </summary>
    /// <param name="rows">Token ids per row, with <c>[CLS]</c> and <c>[SEP]</c>.</param>
    /// <param name="inputs">When given, only these of the three tensors are kept.</param>
    /// <exception cref="ArgumentException"><paramref name="rows"/> is empty.</exception>
    public static TensorBatch Pad(IReadOnlyList<int[]> rows, IReadOnlySet<string>? inputs = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one row.", nameof(rows));
        }

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

        var batch = new TensorBatch();
        Add(BertInputs.InputIds, ids);
        Add(BertInputs.AttentionMask, mask);
        Add(BertInputs.TokenTypeIds, new long[ids.Length]);
        return batch;

        void Add(string name, long[] data)
        {
            if (inputs?.Contains(name) ?? true)
            {
                batch.Add(name, data, rows.Count, seq);
            }
        }
    }
}
