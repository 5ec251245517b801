using Microsoft.ML.Tokenizers;

namespace Pipelines.Export.Evaluation;

/// <summary>
/// Tokenizes sentences with a BERT WordPiece vocabulary (<c>vocab.txt</c>, lower-cased, [CLS] … [SEP]) into the inputs of a
/// BERT-style encoder: <c>input_ids</c>, <c>attention_mask</c>, <c>token_type_ids</c>, all int64 <c>[batch, sequence]</c>.
/// </summary>
public sealed class TextEncoderInputs
{
    private readonly BertTokenizer _tokenizer;

    /// <summary>Loads the vocabulary.</summary>
    /// <param name="vocabPath">The <c>vocab.txt</c> file.</param>
    /// <param name="maxTokens">Sequences are cut to this many tokens (the last one stays [SEP]).</param>
    public TextEncoderInputs(string vocabPath, int maxTokens = 128)
    {
        if (!File.Exists(vocabPath))
        {
            throw new FileNotFoundException($"Vocabulary file '{vocabPath}' does not exist.", vocabPath);
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(maxTokens, 2);
        _tokenizer = BertTokenizer.Create(vocabPath);
        MaxTokens = maxTokens;
    }

    /// <summary>The sequence length cap.</summary>
    public int MaxTokens { get; }

    /// <summary>Token ids of one sentence, with [CLS] and [SEP].</summary>
    public int[] Encode(string text)
    {
        IReadOnlyList<int> ids = _tokenizer.EncodeToIds(text);
        if (ids.Count <= MaxTokens)
        {
            return [.. ids];
        }

        int[] cut = ids.Take(MaxTokens).ToArray();
        cut[^1] = ids[^1];
        return cut;
    }

    /// <summary>One batch, padded with 0 to the longest sentence.</summary>
    public InputBatch Batch(IReadOnlyList<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        if (sentences.Count == 0)
        {
            throw new ArgumentException("A batch needs at least one sentence.", nameof(sentences));
        }

        int[][] encoded = sentences.Select(Encode).ToArray();
        int seq = encoded.Max(e => e.Length);
        var ids = new long[encoded.Length * seq];
        var mask = new long[ids.Length];
        for (int b = 0; b < encoded.Length; b++)
        {
            for (int t = 0; t < encoded[b].Length; t++)
            {
                ids[(b * seq) + t] = encoded[b][t];
                mask[(b * seq) + t] = 1;
            }
        }

        long[] shape = [encoded.Length, seq];
        return new InputBatch(new Dictionary<string, InputTensor>(StringComparer.Ordinal)
        {
            ["input_ids"] = new(ids, shape),
            ["attention_mask"] = new(mask, shape),
            ["token_type_ids"] = new(new long[ids.Length], shape),
        });
    }

    /// <summary>Batches of at most <paramref name="batchSize"/> sentences, in order.</summary>
    public IReadOnlyList<InputBatch> Batches(IReadOnlyList<string> sentences, int batchSize)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        return sentences.Chunk(batchSize).Select(c => Batch(c)).ToList();
    }
}
