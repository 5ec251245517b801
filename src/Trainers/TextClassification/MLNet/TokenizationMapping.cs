using Microsoft.ML.Data;
using Microsoft.ML.Transforms;

namespace Pipelines.Trainers.TextClassification.MLNet;

/// <summary>The input row of the tokenization mapping.</summary>
public sealed class TokenizationInput
{
    /// <summary>The sentence (a copy of the estimator's text column).</summary>
    [ColumnName(TokenizationMapping.TextColumn)]
    public string Text { get; set; } = "";
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
/// WordPiece tokenization as an ML.NET custom mapping. ML.NET persists only the contract name of a custom mapping,
/// not its state, so the tokenizer is looked up at load time: the one registered by <see cref="Register"/> (the
/// estimator registers its own when fitting), else all-MiniLM-L6-v2's vocabulary when the host carries it.
/// </summary>
[CustomMappingFactoryAttribute(ContractName)]
public sealed class TokenizationMapping : CustomMappingFactory<TokenizationInput, TokenizationOutput>
{
    /// <summary>The contract name stored in saved models.</summary>
    public const string ContractName = "Pipelines.TextClassification.WordPiece.v1";

    /// <summary>The column the text is copied to before mapping.</summary>
    public const string TextColumn = "PipelinesText";

    private static readonly Lock s_lock = new();
    private static TextEncoderTokenizer? s_tokenizer;

    /// <summary>Sets the tokenizer used by every tokenization mapping in this process (saved or loaded).</summary>
    public static void Register(TextEncoderTokenizer tokenizer)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        lock (s_lock)
        {
            s_tokenizer = tokenizer;
        }
    }

    /// <inheritdoc />
    public override Action<TokenizationInput, TokenizationOutput> GetMapping()
    {
        TextEncoderTokenizer tokenizer = Resolve();
        return (input, output) =>
        {
            int[] ids = tokenizer.Encode(input.Text ?? "");
            output.InputIds = ids.Select(i => (long)i).ToArray();
            output.AttentionMask = Enumerable.Repeat(1L, ids.Length).ToArray();
            output.TokenTypeIds = new long[ids.Length];
        };
    }

    private static TextEncoderTokenizer Resolve()
    {
        lock (s_lock)
        {
            if (s_tokenizer is not null)
            {
                return s_tokenizer;
            }

            if (Pipelines.Onnx.PretrainedModels.MiniLmAvailable)
            {
                s_tokenizer = TextEncoderTokenizer.FromVocab(Pipelines.Onnx.PretrainedModels.MiniLm().VocabPath);
                return s_tokenizer;
            }

            throw new InvalidOperationException(
                $"Custom mapping '{ContractName}' has no tokenizer: call {nameof(TokenizationMapping)}.{nameof(Register)} with the model's vocabulary before loading the model.");
        }
    }
}
