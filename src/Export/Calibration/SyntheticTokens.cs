using Pipelines.Export.Quantization;
using Pipelines.Onnx.Runtime;
using Pipelines.Onnx.Text;

namespace Pipelines.Export.Calibration;

/// <summary>
/// Token sequences for a text encoder made without any data: each sequence is <c>[CLS] w₁ … w_{L−2} [SEP]</c> with the
/// word ids wᵢ drawn independently, by default from a Zipf law over vocabulary rank, <c>P(rank r) ∝ 1/(r + offset)</c> over
/// the ids from <see cref="FirstWordId"/> on. WordPiece vocabularies list their whole words by corpus frequency after the
/// reserved and single-character tokens (BERT's uncased vocabulary: "the" = 1996, "of", "and", "in", …), so the rank prior
/// gives activations whose second moments resemble real text's far better than uniform ids do — what data-free GPTQ
/// (<see cref="WeightRounding.GptqSynthetic"/>) needs. Inputs <c>[Sequences, Length]</c>: <c>input_ids</c>, and
/// <c>attention_mask</c> (ones) and <c>token_type_ids</c> (zeros) where the model declares them.
/// </summary>
public sealed record SyntheticTokens
{
    /// <summary>Default values: BERT's uncased WordPiece layout (all-MiniLM-L6-v2 and most sentence-transformers use it).</summary>
    public static class Defaults
    {
        /// <summary>Sequences.</summary>
        public const int Sequences = 256;

        /// <summary>Tokens per sequence, [CLS] and [SEP] included.</summary>
        public const int Length = 32;

        /// <summary>Seed of the word ids.</summary>
        public const int Seed = 18;

        /// <summary>[CLS] in BERT's vocabulary.</summary>
        public const int ClsId = 101;

        /// <summary>[SEP] in BERT's vocabulary.</summary>
        public const int SepId = 102;

        /// <summary>The first whole word ("the") of BERT's uncased vocabulary.</summary>
        public const int FirstWordId = 1996;

        /// <summary>Offset of the Zipf law over rank (flattens the head: over BERT's 28,526 words "the" is drawn ≈ 1.2 % of the time, ≈ 9 % with offset 1).</summary>
        public const double ZipfOffset = 10;
    }

    /// <summary>Sequences.</summary>
    public int Sequences { get; init; } = Defaults.Sequences;

    /// <summary>Tokens per sequence, [CLS] and [SEP] included.</summary>
    public int Length { get; init; } = Defaults.Length;

    /// <summary>Seed of the word ids.</summary>
    public int Seed { get; init; } = Defaults.Seed;

    /// <summary>How word ids are drawn.</summary>
    public TokenDistribution Distribution { get; init; } = TokenDistribution.Zipf;

    /// <summary>The id every sequence starts with, or <see langword="null"/> for none.</summary>
    public int? ClsId { get; init; } = Defaults.ClsId;

    /// <summary>The id every sequence ends with, or <see langword="null"/> for none.</summary>
    public int? SepId { get; init; } = Defaults.SepId;

    /// <summary>Word ids are drawn from <c>[FirstWordId, vocabulary size)</c>.</summary>
    public int FirstWordId { get; init; } = Defaults.FirstWordId;

    /// <summary><see cref="TokenDistribution.Zipf"/>: the offset in <c>P(rank r) ∝ 1/(r + offset)</c>.</summary>
    public double ZipfOffset { get; init; } = Defaults.ZipfOffset;

    /// <summary>
    /// Ids uniform over the whole vocabulary, no [CLS]/[SEP] (the sensitivity probe's sequences).
    /// </summary>
    public static SyntheticTokens Uniform(int sequences, int length, int seed) => new()
    {
        Sequences = sequences,
        Length = length,
        Seed = seed,
        Distribution = TokenDistribution.Uniform,
        ClsId = null,
        SepId = null,
        FirstWordId = 0,
    };

    /// <summary>
    /// The layout of a WordPiece vocabulary file (one token per line, the id is the line index): the ids of <c>[CLS]</c>
    /// and <c>[SEP]</c>, and the first whole word — the first token of two or more characters that is neither a reserved
    /// <c>[…]</c> token nor a <c>##</c> continuation.
    /// </summary>
    /// <exception cref="InvalidDataException">The file has no [CLS], no [SEP] or no whole word (named with its path).</exception>
    public static SyntheticTokens FromVocabulary(string vocabularyPath)
    {
        ArgumentException.ThrowIfNullOrEmpty(vocabularyPath);
        int cls = -1, sep = -1, first = -1, id = 0;
        foreach (string line in File.ReadLines(vocabularyPath))
        {
            string token = line.TrimEnd('\r');
            if (token == "[CLS]" && cls < 0)
            {
                cls = id;
            }
            else if (token == "[SEP]" && sep < 0)
            {
                sep = id;
            }
            else if (first < 0 && token.Length >= 2 && !token.StartsWith("##", StringComparison.Ordinal) && !(token.StartsWith('[') && token.EndsWith(']')))
            {
                first = id;
            }

            id++;
        }

        string? missing = cls < 0 ? "[CLS]" : sep < 0 ? "[SEP]" : first < 0 ? "a whole-word token" : null;
        return missing is null
            ? new SyntheticTokens { ClsId = cls, SepId = sep, FirstWordId = first }
            : throw new InvalidDataException($"Vocabulary '{vocabularyPath}' ({id} lines) has no {missing}; synthetic token sequences need a WordPiece vocab.txt.");
    }

    /// <summary>
    /// True when <paramref name="model"/> reads int64 <c>input_ids</c> through an embedding table and declares no runtime input
    /// besides <c>input_ids</c>, <c>attention_mask</c> and <c>token_type_ids</c>: the inputs synthetic sequences can fill.
    /// </summary>
    public static bool CanFill(OnnxModel model)
    {
        ArgumentNullException.ThrowIfNull(model);
        return SensitivityProbe.CanProbe(model)
            && model.Graph.RuntimeInputs().All(i => i.Name is BertInputs.InputIds or BertInputs.AttentionMask or BertInputs.TokenTypeIds);
    }

    /// <summary>Checks the values against a vocabulary of <paramref name="vocabularySize"/> ids and throws naming the bad one.</summary>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public void Validate(long vocabularySize)
    {
        int framing = (ClsId is null ? 0 : 1) + (SepId is null ? 0 : 1);
        if (Sequences < 1 || Length <= framing)
        {
            throw new ArgumentException($"Synthetic tokens: {Sequences} sequences of {Length} tokens leave no word to draw (need ≥ 1 sequence and more than {framing} tokens).", nameof(Length));
        }

        foreach ((string name, int? value, string parameter) in new[] { ("[CLS] id", ClsId, nameof(ClsId)), ("[SEP] id", SepId, nameof(SepId)), ("first word id", (int?)FirstWordId, nameof(FirstWordId)) })
        {
            if (value is int v && (v < 0 || v >= vocabularySize))
            {
                throw new ArgumentException(
                    $"Synthetic tokens: the {name} {v} is outside the model's vocabulary of {vocabularySize} ids (the defaults are BERT's WordPiece layout; SyntheticTokens.FromVocabulary reads the model's own vocab.txt, or round to nearest).", parameter);
            }
        }

        if (!(ZipfOffset > 0))
        {
            throw new ArgumentException($"Synthetic tokens: Zipf offset {ZipfOffset} is not positive.", nameof(ZipfOffset));
        }
    }

    /// <summary>
    /// The sequences as inputs of <paramref name="model"/>, <paramref name="rowsPerBatch"/> sequences per batch; the vocabulary
    /// size is the row count of the embedding table that reads <c>input_ids</c>.
    /// </summary>
    /// <exception cref="ArgumentException">The model reads no <c>input_ids</c> through an embedding table, or a value is out of range.</exception>
    public IReadOnlyList<TensorBatch> Batches(OnnxModel model, int rowsPerBatch = 32)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentOutOfRangeException.ThrowIfLessThan(rowsPerBatch, 1);
        OnnxTensor table = SensitivityProbe.VocabularyTable(model)
            ?? throw new ArgumentException($"Model '{model.Graph.Name}' has no int64 input_ids read by an embedding table; synthetic token sequences need one.", nameof(model));
        if (model.Graph.RuntimeInputs().FirstOrDefault(i => i.Name is not (BertInputs.InputIds or BertInputs.AttentionMask or BertInputs.TokenTypeIds)) is { } other)
        {
            throw new ArgumentException($"Model '{model.Graph.Name}' has input '{other.Name}', which synthetic token sequences cannot fill (only input_ids, attention_mask, token_type_ids).", nameof(model));
        }

        long vocabulary = table.Dims[0];
        Validate(vocabulary);
        long[] ids = Ids((int)vocabulary);
        var declared = model.Graph.RuntimeInputs().Select(i => i.Name).ToHashSet(StringComparer.Ordinal);
        var batches = new List<TensorBatch>();
        for (int s0 = 0; s0 < Sequences; s0 += rowsPerBatch)
        {
            int rows = Math.Min(rowsPerBatch, Sequences - s0);
#pragma warning disable CA2000 // returned to the caller, who disposes them
            var batch = new TensorBatch();
#pragma warning restore CA2000
            batch.Add(BertInputs.InputIds, ids.AsSpan(s0 * Length, rows * Length).ToArray(), rows, Length);
            if (declared.Contains(BertInputs.AttentionMask))
            {
                batch.Add(BertInputs.AttentionMask, Enumerable.Repeat(1L, rows * Length).ToArray(), rows, Length);
            }

            if (declared.Contains(BertInputs.TokenTypeIds))
            {
                batch.Add(BertInputs.TokenTypeIds, new long[rows * Length], rows, Length);
            }

            batches.Add(batch);
        }

        return batches;
    }

    /// <summary>All ids <c>[Sequences · Length]</c>, row-major, drawn in that order from one seeded generator.</summary>
    private long[] Ids(int vocabulary)
    {
        var rng = new Random(Seed);
        double[]? cdf = Distribution == TokenDistribution.Zipf ? ZipfCumulative(vocabulary - FirstWordId, ZipfOffset) : null;
        var ids = new long[Sequences * Length];
        for (int i = 0; i < Sequences; i++)
        {
            for (int j = 0; j < Length; j++)
            {
                ids[(i * Length) + j] = j == 0 && ClsId is int cls ? cls
                    : j == Length - 1 && SepId is int sep ? sep
                    : cdf is null ? rng.Next(FirstWordId, vocabulary)
                    : FirstWordId + Rank(cdf, rng.NextDouble() * cdf[^1]);
            }
        }

        return ids;
    }

    /// <summary>Running sums of <c>1/(r + offset)</c>, r = 0 … n − 1.</summary>
    private static double[] ZipfCumulative(int n, double offset)
    {
        var cdf = new double[n];
        double sum = 0;
        for (int r = 0; r < n; r++)
        {
            sum += 1.0 / (r + offset);
            cdf[r] = sum;
        }

        return cdf;
    }

    /// <summary>The first rank whose running sum reaches <paramref name="u"/>.</summary>
    private static int Rank(double[] cdf, double u)
    {
        int r = Array.BinarySearch(cdf, u);
        return Math.Min(r < 0 ? ~r : r, cdf.Length - 1);
    }
}
