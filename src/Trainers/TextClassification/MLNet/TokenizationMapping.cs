using System.Collections.Concurrent;
using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>The input row of the tokenization mapping.</summary>
public sealed class TokenizationInput
{
    /// <summary>The sentence (a copy of the estimator's text column).</summary>
    [ColumnName(TokenizationMapping.TextColumn)]
    public string Text { get; set; } = "";

    /// <summary>The <see cref="TextEncoderTokenizer.Fingerprint"/> the model was trained with (a constant column).</summary>
    [ColumnName(TokenizationMapping.TokenizerColumn)]
    public string Tokenizer { get; set; } = "";
}

/// <summary>The output row of the tokenization mapping: variable-length token tensors of one sentence.</summary>
public sealed class TokenizationOutput
{
    /// <summary>Token ids.</summary>
    [ColumnName("input_ids")]
    public long[] InputIds { get; set; } = [];

    /// <summary>Attention mask (all ones: a single row needs no padding).</summary>
    [ColumnName("attention_mask")]
    public long[] AttentionMask { get; set; } = [];

    /// <summary>Token types (zeros).</summary>
    [ColumnName("token_type_ids")]
    public long[] TokenTypeIds { get; set; } = [];
}

/// <summary>
/// WordPiece tokenization as an ML.NET custom mapping. ML.NET persists only the contract name of a custom mapping, not
/// its state, so the saved pipeline also carries a constant column <see cref="TokenizerColumn"/> holding the
/// tokenizer's <see cref="TextEncoderTokenizer.Fingerprint"/> (an <c>Expression</c> transform, which ML.NET does
/// persist). At scoring time the fingerprint selects a tokenizer registered with <see cref="Register"/> (the estimator
/// registers its own when fitting); all-MiniLM-L6-v2's vocabulary is found without registration when the host carries
/// it. A model whose vocabulary is not available fails with an error naming the fingerprint, never with wrong ids.
/// With <c>AdapterFineTuningOptions.EmbedVocabulary</c> the constant column carries the vocabulary itself
/// (<c>wordpiece-embedded:&lt;max length&gt;:&lt;lower|cased&gt;:&lt;base64 of gzip(vocab.txt)&gt;</c>), so a scoring app
/// needs neither registration nor the model package (see docs/formats/fitted-state-chains.md).
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class TokenizationMapping : CustomMappingFactory<TokenizationInput, TokenizationOutput>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.TextClassification.WordPiece.v2";

    /// <summary>The column the text is copied to before mapping.</summary>
    public const string TextColumn = "PipelinesText";

    /// <summary>The constant column holding the tokenizer fingerprint.</summary>
    public const string TokenizerColumn = "PipelinesTokenizer";

    /// <summary>The prefix of a tokenizer column that embeds its vocabulary.</summary>
    internal const string EmbeddedPrefix = "wordpiece-embedded:";

    private static readonly ConcurrentDictionary<string, TextEncoderTokenizer> s_registry = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<string, TextEncoderTokenizer> s_embedded = new(StringComparer.Ordinal);

    /// <summary>Makes <paramref name="tokenizer"/> available to every tokenization mapping in this process (saved or loaded).</summary>
    public static void Register(TextEncoderTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        s_registry[tokenizer.Fingerprint] = tokenizer;
    }

    /// <summary>The ML.NET expression that emits <paramref name="tokenizer"/>'s fingerprint as a constant column.</summary>
    internal static string FingerprintExpression(TextEncoderTokenizer tokenizer) => $"x => \"{tokenizer.Fingerprint}\"";

    /// <summary>
    /// The ML.NET expression that emits the tokenizer with its vocabulary embedded: <paramref name="vocabulary"/> (the
    /// bytes of <c>vocab.txt</c>) gzip-compressed and base64-encoded after the settings.
    /// </summary>
    internal static string EmbeddedExpression(byte[] vocabulary, int maxLength, bool lowerCase)
    {
        using var packed = new MemoryStream();
        using (var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gzip.Write(vocabulary);
        }

        string text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{EmbeddedPrefix}{maxLength}:{(lowerCase ? "lower" : "cased")}:{Convert.ToBase64String(packed.ToArray())}");
        return Pipelines.Transforms.MLNet.FittedStateColumn.Expression(text);
    }

    /// <summary>Forgets every registered tokenizer (tests simulate a fresh process with it).</summary>
    internal static void ClearRegistry()
    {
        s_registry.Clear();
        s_embedded.Clear();
    }

    /// <inheritdoc />
    public override Action<TokenizationInput, TokenizationOutput> GetMapping() => (input, output) =>
    {
        TextEncoderTokenizer tokenizer = Resolve(input.Tokenizer);
        int[] ids = tokenizer.Encode(input.Text ?? "");
        output.InputIds = ids.Select(i => (long)i).ToArray();
        output.AttentionMask = Enumerable.Repeat(1L, ids.Length).ToArray();
        output.TokenTypeIds = new long[ids.Length];
    };

    private static TextEncoderTokenizer Resolve(string fingerprint)
    {
        if (fingerprint is not null && fingerprint.StartsWith(EmbeddedPrefix, StringComparison.Ordinal))
        {
            return s_embedded.TryGetValue(fingerprint, out TextEncoderTokenizer? embedded) ? embedded : s_embedded.GetOrAdd(fingerprint, Unpack(fingerprint));
        }

        if (s_registry.TryGetValue(fingerprint ?? "", out TextEncoderTokenizer? known))
        {
            return known;
        }

        // wordpiece:<sha>:<max length>:<lower|cased> — try the bundled MiniLM vocabulary with the same settings
        string[] parts = (fingerprint ?? "").Split(':');
        if (parts.Length == 4 && int.TryParse(parts[2], System.Globalization.CultureInfo.InvariantCulture, out int maxLength) && maxLength >= 3
            && Pipelines.Onnx.PretrainedModels.MiniLmAvailable)
        {
            TextEncoderTokenizer miniLm = TextEncoderTokenizer.FromVocab(Pipelines.Onnx.PretrainedModels.MiniLm().VocabPath, maxLength, parts[3] == "lower");
            if (miniLm.Fingerprint == fingerprint)
            {
                return s_registry.GetOrAdd(fingerprint, miniLm);
            }
        }

        throw new InvalidOperationException(
            $"Custom mapping '{ContractName}': the model was trained with tokenizer '{fingerprint}' (vocabulary SHA-256, max length, casing), which is not registered in this process. " +
            $"Call {nameof(TokenizationMapping)}.{nameof(Register)}({nameof(TextEncoderTokenizer)}.{nameof(TextEncoderTokenizer.FromVocab)}(<the model's vocab.txt>, <max length>)) before scoring.");
    }

    private static TextEncoderTokenizer Unpack(string column)
    {
        // wordpiece-embedded:<max length>:<lower|cased>:<base64 gzip vocab.txt>
        string[] parts = column.Split(':', 4);
        if (parts.Length != 4 || !int.TryParse(parts[1], System.Globalization.CultureInfo.InvariantCulture, out int maxLength) || maxLength < 3 || parts[2] is not ("lower" or "cased"))
        {
            throw new InvalidDataException($"Custom mapping '{ContractName}': the embedded tokenizer's settings are unreadable ('{column[..Math.Min(column.Length, 48)]}…').");
        }

        byte[] vocabulary;
        try
        {
            using var packed = new MemoryStream(Convert.FromBase64String(parts[3]), writable: false);
            using var gzip = new System.IO.Compression.GZipStream(packed, System.IO.Compression.CompressionMode.Decompress);
            using var plain = new MemoryStream();
            gzip.CopyTo(plain);
            vocabulary = plain.ToArray();
        }
        catch (Exception e) when (e is FormatException or InvalidDataException)
        {
            throw new InvalidDataException($"Custom mapping '{ContractName}': the embedded vocabulary is corrupt ({e.Message}).", e);
        }

        return TextEncoderTokenizer.FromVocab(vocabulary, maxLength, parts[2] == "lower");
    }
}
